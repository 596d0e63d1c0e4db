// The customer portal frame for one organization: switcher, navigation (by role) and the user menu.
"use client";
import Link from "next/link";
import type { ReactNode } from "react";
import { AppIcon } from "@/components/icons";
import { AppShell } from "@/components/shell/app-shell";
import type { NavItem } from "@/components/shell/nav-link";
import { UserMenu, type MenuUser } from "@/components/shell/user-menu";
import { can } from "@/lib/roles";
import { OrgProvider, type CurrentOrg } from "./org-context";
import { OrgSwitcher, type SwitcherOrg } from "./org-switcher";

function navFor(org: CurrentOrg): NavItem[] {
  const base = `/o/${org.slug}`;
  const items: (NavItem | false)[] = [
    { href: `${base}/instances`, label: "Instances", icon: "instances" },
    can(org.role, "incidents:read") && { href: `${base}/incidents`, label: "Incidents", icon: "incidents" },
    { href: `${base}/usage`, label: "Usage & billing", icon: "usage" },
    { href: `${base}/members`, label: "Members", icon: "members" },
    can(org.role, "apikeys:list") && { href: `${base}/api-keys`, label: "API keys", icon: "key" },
    can(org.role, "audit:read") && { href: `${base}/audit`, label: "Audit log", icon: "audit" },
    { href: `${base}/settings`, label: "Settings", icon: "settings" },
  ];
  return items.filter((i): i is NavItem => !!i);
}

export function OrgShell({ org, organizations, user, children }: { org: CurrentOrg; organizations: SwitcherOrg[]; user: MenuUser; children: ReactNode }) {
  return (
    <OrgProvider org={org}>
      <AppShell
        title={org.name}
        homeHref={`/o/${org.slug}`}
        switcher={<OrgSwitcher current={org} organizations={organizations} />}
        nav={navFor(org)}
        navLabel="Organization"
        userMenu={<UserMenu user={user} />}
        sidebarFooter={
          user.platformRole ? (
            <Link href="/admin" className="flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-zinc-700 ring-1 ring-zinc-200 hover:bg-zinc-50">
              <AppIcon name="console" />
              Provider console
            </Link>
          ) : null
        }
      >
        {children}
      </AppShell>
    </OrgProvider>
  );
}
