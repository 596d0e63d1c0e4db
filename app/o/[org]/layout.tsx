// The customer portal of one organization: resolves the URL's slug to the organization and the caller's role.
import type { ReactNode } from "react";
import { notFound } from "next/navigation";
import { BillingBanner } from "@/components/billing/billing-banner";
import { RedirectToSignIn } from "@/components/auth/redirect-to-sign-in";
import { OrgShell } from "@/components/org/org-shell";
import { getMe } from "@/lib/trpc/server";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org: slug } = await params;
  const me = await getMe();
  if (!me) return <RedirectToSignIn />;
  const org = me.organizations.find((o) => o.slug === slug);
  if (!org) notFound();
  return (
    <OrgShell
      org={{ ...org, viewerId: me.user.id }}
      organizations={me.organizations}
      user={{ name: me.user.name, email: me.user.email, platformRole: me.user.platformRole }}
    >
      <BillingBanner />
      {children}
    </OrgShell>
  );
}
