// API keys: list (prefix, role, expiry, last use, status), create (secret shown once) and revoke.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { AppIcon } from "@/components/icons";
import {
  Alert, Badge, Button, Card, ConfirmDialog, CopyField, Dialog, EmptyState, ErrorMessage, Field, Input, LoadingBlock,
  PageHeader, Select, Table, TBody, TD, TH, THead, TR, Time,
} from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { can, ORG_ROLES, roleDescriptions, roleLabels, type OrgRole } from "@/lib/roles";
import { NotAllowed } from "./not-allowed";
import { useOrg } from "./org-context";

type KeyRow = { id: string; name: string; expiresAt: Date | null; revokedAt: Date | null };

function statusOf(key: KeyRow): { label: string; tone: "green" | "red" | "amber" } {
  if (key.revokedAt) return { label: "Revoked", tone: "red" };
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= Date.now()) return { label: "Expired", tone: "amber" };
  return { label: "Active", tone: "green" };
}

export function ApiKeysPage() {
  const org = useOrg();
  const [creating, setCreating] = useState(false);
  const mayCreate = can(org.role, "apikeys:create");
  if (!can(org.role, "apikeys:list")) {
    return (
      <>
        <PageHeader title="API keys" />
        <NotAllowed what="API keys" />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let scripts call the Fleetplane API as this organization, with the role you choose."
        actions={
          mayCreate && (
            <Button onClick={() => setCreating(true)}>
              <AppIcon name="plus" className="size-4" /> Create API key
            </Button>
          )
        }
      />
      <KeyList onCreate={mayCreate ? () => setCreating(true) : undefined} />
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}

function KeyList({ onCreate }: { onCreate?: () => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions({ orgId: org.id }));
  const [revoking, setRevoking] = useState<KeyRow | null>(null);
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey({ orgId: org.id }) }) }),
  );
  const mayRevoke = can(org.role, "apikeys:revoke");

  if (keys.isPending) return <Card><LoadingBlock label="Loading API keys" /></Card>;
  if (keys.error) return <ErrorMessage error={keys.error} />;
  return (
    <Card>
      {keys.data.length === 0 ? (
        <EmptyState
          icon={<AppIcon name="key" />}
          title="No API keys yet"
          description="Create a key to automate Fleetplane from scripts or CI. Send it as “Authorization: Bearer <key>”."
          action={onCreate && <Button onClick={onCreate}>Create API key</Button>}
        />
      ) : (
        <Table label="API keys">
          <THead>
            <TR>
              <TH>Name</TH>
              <TH>Key</TH>
              <TH>Role</TH>
              <TH className="hidden lg:table-cell">Created</TH>
              <TH>Expires</TH>
              <TH>Last used</TH>
              <TH>Status</TH>
              <TH className="text-right">
                <span className="sr-only">Actions</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {keys.data.map((k) => {
              const status = statusOf(k);
              return (
                <TR key={k.id}>
                  <TD className="font-medium text-zinc-900">{k.name}</TD>
                  <TD className="font-mono text-xs whitespace-nowrap">{k.prefix}…</TD>
                  <TD>
                    <Badge>{roleLabels[k.role]}</Badge>
                  </TD>
                  <TD className="hidden whitespace-nowrap lg:table-cell">
                    <Time value={k.createdAt} mode="date" />
                    {k.createdByEmail && <div className="text-xs text-zinc-500">by {k.createdByEmail}</div>}
                  </TD>
                  <TD className="whitespace-nowrap">{k.expiresAt ? <Time value={k.expiresAt} mode="date" /> : "Never"}</TD>
                  <TD className="whitespace-nowrap">{k.lastUsedAt ? <Time value={k.lastUsedAt} mode="relative" /> : "Never used"}</TD>
                  <TD>
                    <Badge tone={status.tone}>{status.label}</Badge>
                  </TD>
                  <TD className="text-right">
                    {mayRevoke && !k.revokedAt && (
                      <Button variant="ghost-danger" size="sm" onClick={() => setRevoking(k)}>
                        Revoke
                      </Button>
                    )}
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        open={!!revoking}
        onClose={() => setRevoking(null)}
        title="Revoke API key?"
        message={`Requests with “${revoking?.name}” are refused from now on. This cannot be undone.`}
        confirmLabel="Revoke key"
        onConfirm={() => revoke.mutateAsync({ orgId: org.id, keyId: revoking!.id })}
      />
    </Card>
  );
}

const keyRoles = ORG_ROLES.filter((r) => r !== "owner");

function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<OrgRole>("member");
  const [days, setDays] = useState("");
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey({ orgId: org.id }) }) }),
  );
  const errors = fieldErrorsOf(create.error);

  function close() {
    onClose();
    create.reset();
    setName("");
    setRole("member");
    setDays("");
  }

  if (create.data) {
    return (
      <Dialog open={open} onClose={close} title="Your new API key" footer={<Button onClick={close}>Done</Button>}>
        <div className="space-y-4">
          <Alert tone="warning" title="Copy the key now">
            This is the only time the key is shown. Fleetplane stores only a fingerprint of it, so it cannot be shown again; if you lose it, revoke it and create another.
          </Alert>
          <CopyField value={create.data.secret} label="API key secret" />
          <p className="text-sm text-zinc-600">
            “{create.data.name}” acts as {roleLabels[create.data.role]}
            {create.data.expiresAt ? <> until <Time value={create.data.expiresAt} mode="date" /></> : " and never expires"}.
          </p>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Create API key"
      description="The key acts in this organization with the role you pick."
      footer={
        <>
          <Button variant="secondary" onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="create-api-key" loading={create.isPending}>
            Create key
          </Button>
        </>
      }
    >
      <form
        id="create-api-key"
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          const expiresInDays = days.trim() ? Number(days) : undefined;
          create.mutate({ orgId: org.id, name, role, ...(expiresInDays !== undefined ? { expiresInDays } : {}) });
        }}
      >
        <ErrorMessage error={formErrorMessage(create.error, ["name", "role", "expiresInDays"])} />
        <Field label="Name" error={errors.name} hint="What the key is for, e.g. “CI deploys”.">
          <Input name="name" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Role" error={errors.role} hint={roleDescriptions[role]}>
          <Select name="role" value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
            {keyRoles.map((r) => (
              <option key={r} value={r}>
                {roleLabels[r]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Expires after (days)" optional error={errors.expiresInDays} hint="Leave empty for a key that never expires.">
          <Input name="expiresInDays" type="number" min={1} max={3650} inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
        </Field>
      </form>
    </Dialog>
  );
}

