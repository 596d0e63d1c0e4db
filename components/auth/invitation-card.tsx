// The invitation page's body: which organization and role, and the one next step (accept, sign in, or why it cannot be used).
"use client";
import Link from "next/link";
import { useMutation } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import { Alert, Badge, Button, ButtonLink, Card, CardBody, ErrorMessage, Time } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { roleDescriptions, roleLabels, type OrgRole } from "@/lib/roles";

export type InvitationPreview = {
  orgName: string;
  email: string;
  role: OrgRole;
  status: "pending" | "accepted" | "revoked" | "expired";
  expiresAt: Date;
};

const unusable: Record<Exclude<InvitationPreview["status"], "pending">, { title: string; text: string }> = {
  accepted: { title: "This invitation has already been used", text: "Each invitation link works once. If you accepted it, sign in to find the organization in your list." },
  revoked: { title: "This invitation was cancelled", text: "An administrator of the organization withdrew it. Ask them for a new invitation." },
  expired: { title: "This invitation has expired", text: "Invitation links work for 7 days. Ask an administrator of the organization to invite you again." },
};

export function InvitationCard({ token, preview, viewer }: { token: string; preview: InvitationPreview; viewer: { email: string } | null }) {
  const trpc = useTRPC();
  const accept = useMutation(trpc.invitations.accept.mutationOptions({ onSuccess: (org) => window.location.assign(`/o/${org.slug}`) }));
  const back = `/invite/${token}`;
  const isInvitee = viewer && viewer.email.toLowerCase() === preview.email.toLowerCase();

  return (
    <Card>
      <CardBody className="space-y-5 py-6 sm:px-8">
        <div>
          <p className="text-sm text-zinc-600">You are invited to join</p>
          <h1 className="mt-1 text-xl font-semibold text-zinc-900">{preview.orgName}</h1>
        </div>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          <dt className="text-zinc-500">Role</dt>
          <dd>
            <Badge tone="brand">{roleLabels[preview.role]}</Badge>
            <span className="ml-2 text-zinc-600">{roleDescriptions[preview.role]}</span>
          </dd>
          <dt className="text-zinc-500">For</dt>
          <dd className="break-all text-zinc-900">{preview.email}</dd>
          {preview.status === "pending" && (
            <>
              <dt className="text-zinc-500">Expires</dt>
              <dd className="text-zinc-900">
                <Time value={preview.expiresAt} />
              </dd>
            </>
          )}
        </dl>

        {preview.status !== "pending" ? (
          <Alert tone="warning" title={unusable[preview.status].title}>
            {unusable[preview.status].text}
          </Alert>
        ) : !viewer ? (
          <div className="space-y-3">
            <p className="text-sm text-zinc-600">Sign in as {preview.email} to accept, or create an account with that address.</p>
            <div className="flex flex-wrap gap-2">
              <ButtonLink href={`/sign-in?callbackUrl=${encodeURIComponent(back)}`}>Sign in to accept</ButtonLink>
              <ButtonLink variant="secondary" href={`/sign-up?callbackUrl=${encodeURIComponent(back)}&email=${encodeURIComponent(preview.email)}`}>
                Create an account
              </ButtonLink>
            </div>
          </div>
        ) : !isInvitee ? (
          <div className="space-y-3">
            <Alert tone="warning" title="This invitation is for another address">
              You are signed in as {viewer.email}, but the invitation was sent to {preview.email}. Sign in with that address to accept it.
            </Alert>
            <Button variant="secondary" onClick={() => signOut({ redirectTo: `/sign-in?callbackUrl=${encodeURIComponent(back)}` })}>
              Sign out and switch account
            </Button>
          </div>
        ) : (
          <div className="space-y-3">
            <ErrorMessage error={accept.error} />
            <div className="flex flex-wrap items-center gap-3">
              <Button onClick={() => accept.mutate({ token })} loading={accept.isPending || accept.isSuccess}>
                Accept invitation
              </Button>
              <Link href="/" className="text-sm text-zinc-600 hover:underline">
                Not now
              </Link>
            </div>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
