// Members: who belongs (roles editable by admins), pending invitations, and the invite form that shows the link.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert, Badge, Button, Card, CardBody, CardHeader, ConfirmDialog, CopyField, EmptyState, ErrorMessage, Field, Input,
  LoadingBlock, PageHeader, Select, Table, TBody, TD, TH, THead, TR, Time,
} from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { assignableRoles, can, roleLabels, ORG_ROLES, type OrgRole } from "@/lib/roles";
import { useOrg } from "./org-context";

type Member = { userId: string; email: string; name: string; role: OrgRole; joinedAt: Date };

export function MembersPage() {
  const org = useOrg();
  return (
    <>
      <PageHeader title="Members" description={`People in ${org.name} and what they may do.`} />
      <div className="space-y-6">
        {can(org.role, "invitations:create") && <InviteCard />}
        <MemberList />
        {can(org.role, "invitations:list") && <PendingInvitations />}
      </div>
    </>
  );
}

function MemberList() {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.members.list.queryOptions({ orgId: org.id }));
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [leaving, setLeaving] = useState(false);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey({ orgId: org.id }) });

  const updateRole = useMutation(
    trpc.members.updateRole.mutationOptions({
      onMutate: () => setNotice(null),
      onSuccess: (_data, vars) => {
        const m = members.data?.find((x) => x.userId === vars.userId);
        setNotice(`${m?.name || m?.email || "The member"} is now ${roleLabels[vars.role]}.`);
        return invalidate();
      },
    }),
  );
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: invalidate }));
  const leave = useMutation(trpc.members.leave.mutationOptions({ onSuccess: () => window.location.assign("/") }));

  const mayChangeRoles = can(org.role, "members:update_role");
  const mayRemove = can(org.role, "members:remove");

  return (
    <Card>
      <CardHeader title="People" description={members.data ? `${members.data.length} ${members.data.length === 1 ? "member" : "members"}` : undefined} />
      {updateRole.error && <ErrorMessage className="m-4" error={updateRole.error} />}
      {notice && !updateRole.error && (
        <Alert tone="success" className="m-4">
          {notice}
        </Alert>
      )}
      {members.isPending ? (
        <LoadingBlock label="Loading members" />
      ) : members.error ? (
        <CardBody>
          <ErrorMessage error={members.error} />
        </CardBody>
      ) : (
        <Table label="Members">
          <THead>
            <TR>
              <TH>Person</TH>
              <TH>Role</TH>
              <TH className="hidden md:table-cell">Joined</TH>
              <TH className="text-right">
                <span className="sr-only">Actions</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {members.data.map((m) => {
              const isSelf = m.userId === org.viewerId;
              const ownerLocked = m.role === "owner" && org.role !== "owner";
              return (
                <TR key={m.userId}>
                  <TD>
                    <div className="font-medium text-zinc-900">
                      {m.name || m.email} {isSelf && <Badge className="ml-1">You</Badge>}
                    </div>
                    <div className="text-zinc-500">{m.email}</div>
                  </TD>
                  <TD>
                    {mayChangeRoles ? (
                      <span title={ownerLocked ? "Only an owner can change an owner's role" : undefined} className="inline-block">
                        <Select
                          aria-label={`Role of ${m.email}`}
                          className="w-36 min-w-32"
                          value={updateRole.isPending && updateRole.variables?.userId === m.userId ? updateRole.variables.role : m.role}
                          disabled={ownerLocked || (updateRole.isPending && updateRole.variables?.userId === m.userId)}
                          onChange={(e) => updateRole.mutate({ orgId: org.id, userId: m.userId, role: e.target.value as OrgRole })}
                        >
                          {(ownerLocked ? ORG_ROLES : assignableRoles(org.role)).map((r) => (
                            <option key={r} value={r}>
                              {roleLabels[r]}
                            </option>
                          ))}
                        </Select>
                      </span>
                    ) : (
                      <Badge tone={m.role === "owner" ? "brand" : "neutral"}>{roleLabels[m.role]}</Badge>
                    )}
                  </TD>
                  <TD className="hidden whitespace-nowrap md:table-cell">
                    <Time value={m.joinedAt} mode="date" />
                  </TD>
                  <TD className="text-right whitespace-nowrap">
                    {isSelf ? (
                      <Button variant="ghost" size="sm" onClick={() => setLeaving(true)}>
                        Leave
                      </Button>
                    ) : mayRemove ? (
                      <Button
                        variant="ghost-danger"
                        size="sm"
                        onClick={() => setRemoving(m)}
                        disabledReason={ownerLocked ? "Only an owner can remove an owner" : null}
                      >
                        Remove
                      </Button>
                    ) : null}
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        open={!!removing}
        onClose={() => setRemoving(null)}
        title="Remove member?"
        message={`${removing?.name || removing?.email} loses access to ${org.name} at once. You can invite them again later.`}
        confirmLabel="Remove member"
        onConfirm={() => remove.mutateAsync({ orgId: org.id, userId: removing!.userId })}
      />
      <ConfirmDialog
        open={leaving}
        onClose={() => setLeaving(false)}
        title={`Leave ${org.name}?`}
        message="You lose access at once. To come back, someone has to invite you again."
        confirmLabel="Leave organization"
        onConfirm={() => leave.mutateAsync({ orgId: org.id })}
      />
    </Card>
  );
}

function InviteCard() {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<OrgRole>("member");
  const invite = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: () => {
        setEmail("");
        return queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey({ orgId: org.id }) });
      },
    }),
  );
  const errors = fieldErrorsOf(invite.error);
  return (
    <Card>
      <CardHeader title="Invite someone" description="They get an email with a link that works once and expires in 7 days." />
      <CardBody className="space-y-4">
        <form
          className="flex flex-col gap-3 sm:flex-row sm:items-start"
          onSubmit={(e) => {
            e.preventDefault();
            invite.mutate({ orgId: org.id, email, role });
          }}
        >
          <Field label="Email" error={errors.email} className="flex-1">
            <Input type="email" name="email" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="name@company.com" />
          </Field>
          <Field label="Role" error={errors.role} className="sm:w-44">
            <Select name="role" value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
              {assignableRoles(org.role).map((r) => (
                <option key={r} value={r}>
                  {roleLabels[r]}
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" className="sm:mt-6.5" loading={invite.isPending}>
            Send invitation
          </Button>
        </form>
        <ErrorMessage error={formErrorMessage(invite.error, ["email", "role"])} />
        {invite.data && (
          <Alert tone="success" title={`Invitation sent to ${invite.data.email} as ${roleLabels[invite.data.role]}`}>
            <p className="mb-2">You can also send them this link yourself. It works once and expires on <Time value={invite.data.expiresAt} mode="date" />.</p>
            <CopyField value={invite.data.link} label="Invitation link" />
          </Alert>
        )}
      </CardBody>
    </Card>
  );
}

function PendingInvitations() {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.invitations.list.queryOptions({ orgId: org.id }));
  const [revoking, setRevoking] = useState<{ id: string; email: string } | null>(null);
  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey({ orgId: org.id }) }),
    }),
  );
  const mayRevoke = can(org.role, "invitations:revoke");
  return (
    <Card>
      <CardHeader title="Pending invitations" description="Invitations that nobody has accepted yet." />
      {invitations.isPending ? (
        <LoadingBlock label="Loading invitations" />
      ) : invitations.error ? (
        <CardBody>
          <ErrorMessage error={invitations.error} />
        </CardBody>
      ) : invitations.data.length === 0 ? (
        <EmptyState title="No pending invitations" description="Invite a colleague with the form above; their invitation shows here until they accept it." />
      ) : (
        <Table label="Pending invitations">
          <THead>
            <TR>
              <TH>Email</TH>
              <TH>Role</TH>
              <TH className="hidden md:table-cell">Invited by</TH>
              <TH>Expires</TH>
              <TH className="text-right">
                <span className="sr-only">Actions</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {invitations.data.map((inv) => (
              <TR key={inv.id}>
                <TD className="font-medium text-zinc-900">{inv.email}</TD>
                <TD>
                  <Badge>{roleLabels[inv.role]}</Badge>
                </TD>
                <TD className="hidden md:table-cell">{inv.invitedByEmail ?? "—"}</TD>
                <TD className="whitespace-nowrap">
                  <Time value={inv.expiresAt} mode="relative" />
                </TD>
                <TD className="text-right">
                  {mayRevoke && (
                    <Button variant="ghost-danger" size="sm" onClick={() => setRevoking({ id: inv.id, email: inv.email })}>
                      Revoke
                    </Button>
                  )}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        open={!!revoking}
        onClose={() => setRevoking(null)}
        title="Revoke invitation?"
        message={`The link sent to ${revoking?.email} stops working at once.`}
        confirmLabel="Revoke invitation"
        onConfirm={() => revoke.mutateAsync({ orgId: org.id, invitationId: revoking!.id })}
      />
    </Card>
  );
}
