// The provider console: only platform staff get in; everyone else sees a plain "not allowed" page.
import type { ReactNode } from "react";
import { AdminShell } from "@/components/admin/admin-shell";
import { RedirectToSignIn } from "@/components/auth/redirect-to-sign-in";
import { ButtonLink } from "@/components/ui";
import { getMe } from "@/lib/trpc/server";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const me = await getMe();
  if (!me) return <RedirectToSignIn />;
  if (!me.user.platformRole) {
    return (
      <main className="flex min-h-screen items-center justify-center p-6">
        <div className="max-w-md text-center">
          <p className="text-sm font-semibold text-brand-600">Not allowed</p>
          <h1 className="mt-2 text-2xl font-semibold text-zinc-900">The provider console is for platform staff</h1>
          <p className="mt-2 text-sm text-zinc-600">You are signed in as {me.user.email}, which has no platform role. If you need access, ask a platform administrator.</p>
          <ButtonLink href="/" className="mt-6">
            Back to your organizations
          </ButtonLink>
        </div>
      </main>
    );
  }
  return (
    <AdminShell role={me.user.platformRole} user={{ name: me.user.name, email: me.user.email, platformRole: me.user.platformRole }}>
      {children}
    </AdminShell>
  );
}
