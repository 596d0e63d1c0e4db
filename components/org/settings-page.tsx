// Organization settings: the name (owners rename it), its address, maintenance windows, webhooks, and leaving the organization.
"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Badge, Button, Card, CardBody, CardHeader, ConfirmDialog, ErrorMessage, Field, Input, PageHeader } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { can, roleLabels } from "@/lib/roles";
import { useOrg } from "./org-context";
import { MaintenanceWindowsCard } from "./maintenance-windows-card";
import { WebhooksCard } from "./webhooks-card";

export function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" description="Your organization's name, its maintenance windows, its webhooks and your membership." />
      <div className="space-y-6">
        <RenameCard />
        <MaintenanceWindowsCard />
        <WebhooksCard />
        <LeaveCard />
      </div>
    </>
  );
}

function RenameCard() {
  const org = useOrg();
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState(org.name);
  const rename = useMutation(trpc.orgs.rename.mutationOptions({ onSuccess: () => router.refresh() }));
  const mayRename = can(org.role, "org:update");
  const errors = fieldErrorsOf(rename.error);
  return (
    <Card>
      <CardHeader title="Organization" description={mayRename ? "The name people see in the switcher and in invitations." : "Only owners can rename the organization."} />
      <CardBody>
        <form
          className="max-w-lg space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ orgId: org.id, name });
          }}
        >
          <ErrorMessage error={formErrorMessage(rename.error, ["name"])} />
          {rename.isSuccess && !rename.isPending && <Alert tone="success">The organization is now called {rename.data.name}.</Alert>}
          <Field label="Name" error={errors.name}>
            <Input name="name" value={name} onChange={(e) => setName(e.target.value)} disabled={!mayRename} minLength={2} maxLength={80} required />
          </Field>
          <Field label="Address" hint="The address cannot be changed.">
            <Input value={`/o/${org.slug}`} readOnly disabled />
          </Field>
          <Button type="submit" loading={rename.isPending} disabledReason={mayRename ? (name.trim() === org.name ? "Change the name first" : null) : "Only owners can rename the organization"}>
            Save name
          </Button>
        </form>
      </CardBody>
    </Card>
  );
}

function LeaveCard() {
  const org = useOrg();
  const trpc = useTRPC();
  const [confirming, setConfirming] = useState(false);
  const leave = useMutation(trpc.members.leave.mutationOptions({ onSuccess: () => window.location.assign("/") }));
  return (
    <Card>
      <CardHeader title="Your membership" />
      <CardBody className="flex flex-wrap items-center justify-between gap-4">
        <p className="text-sm text-zinc-700">
          You are <Badge tone="brand">{roleLabels[org.role]}</Badge> in {org.name}. Leaving removes your access at once; the last owner cannot leave.
        </p>
        <Button variant="danger" onClick={() => setConfirming(true)}>
          Leave organization
        </Button>
      </CardBody>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Leave ${org.name}?`}
        message="You lose access at once. To come back, someone has to invite you again."
        confirmLabel="Leave organization"
        onConfirm={() => leave.mutateAsync({ orgId: org.id })}
      />
    </Card>
  );
}
