// /invite/<token>: what the invitation is for and how to accept it; works signed out too.
import type { Metadata } from "next";
import { InvitationCard } from "@/components/auth/invitation-card";
import { ButtonLink, Card, CardBody } from "@/components/ui";
import { getMe, getServerCaller, orNotFound } from "@/lib/trpc/server";

export const metadata: Metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const caller = await getServerCaller();
  const [preview, me] = await Promise.all([orNotFound(() => caller.invitations.preview({ token })), getMe()]);
  if (!preview) {
    return (
      <Card>
        <CardBody className="space-y-3 py-6 sm:px-8">
          <h1 className="text-xl font-semibold text-zinc-900">This invitation link is not valid</h1>
          <p className="text-sm text-zinc-600">
            The link may be incomplete: copy the whole address from the email. If it still does not work, ask the person who invited you for a new invitation.
          </p>
          <ButtonLink href="/" variant="secondary">
            Go to Fleetplane
          </ButtonLink>
        </CardBody>
      </Card>
    );
  }
  return <InvitationCard token={token} preview={preview} viewer={me ? { email: me.user.email } : null} />;
}
