// The provider console frame: fleet-wide navigation for platform staff and the user menu.
"use client";
import Link from "next/link";
import type { ReactNode } from "react";
import { AppIcon } from "@/components/icons";
import { AppShell } from "@/components/shell/app-shell";
import type { NavItem } from "@/components/shell/nav-link";
import { UserMenu, type MenuUser } from "@/components/shell/user-menu";
import { Badge } from "@/components/ui";
import { platformRoleLabels, type PlatformRole } from "@/lib/roles";
import { AdminProvider } from "./admin-context";

const nav: NavItem[] = [
  { href: "/admin/clusters", label: "Clusters", icon: "clusters" },
  { href: "/admin/fleet", label: "Fleet", icon: "fleet" },
  { href: "/admin/workflows", label: "Workflows", icon: "workflows" },
  { href: "/admin/rollouts", label: "Rollouts", icon: "rollouts" },
  { href: "/admin/catalog", label: "Catalog", icon: "catalog" },
  { href: "/admin/incidents", label: "Incidents", icon: "incidents" },
  { href: "/admin/organizations", label: "Organizations", icon: "orgs" },
  { href: "/admin/billing", label: "Billing", icon: "billing" },
  { href: "/admin/audit", label: "Audit log", icon: "audit" },
];

export function AdminShell({ role, user, children }: { role: PlatformRole; user: MenuUser; children: ReactNode }) {
  return (
    <AdminProvider role={role}>
      <AppShell
        title="Provider console"
        homeHref="/admin"
        switcher={
          <div className="flex items-center gap-3 rounded-md px-2 py-2 ring-1 ring-zinc-200">
            <span className="flex size-8 items-center justify-center rounded-md bg-zinc-900 text-white">
              <AppIcon name="console" className="size-4" />
            </span>
            <span>
              <span className="block text-sm font-medium text-zinc-900">Provider console</span>
              <Badge tone="brand">{platformRoleLabels[role]}</Badge>
            </span>
          </div>
        }
        nav={nav}
        navLabel="Provider console"
        userMenu={<UserMenu user={user} />}
        sidebarFooter={
          <Link href="/" className="flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-zinc-700 ring-1 ring-zinc-200 hover:bg-zinc-50">
            <AppIcon name="orgs" />
            Customer portal
          </Link>
        }
      >
        {children}
      </AppShell>
    </AdminProvider>
  );
}
