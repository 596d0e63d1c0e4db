// The instance's generated credentials, revealed once: after that the API refuses and says why, and so does this card.
"use client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardHeader, CopyField, Dialog, ErrorMessage, Label } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { errorCode } from "@/lib/trpc/errors";
import { notAllowedReason } from "./roles";

export function CredentialsCard({ instanceId, instanceName, ready }: { instanceId: string; instanceName: string; ready: boolean }) {
  const org = useOrg();
  const trpc = useTRPC();
  const reveal = useMutation(trpc.instances.revealCredentials.mutationOptions());
  const [asking, setAsking] = useState(false);
  const refused = errorCode(reveal.error) === "PRECONDITION_FAILED";
  const roleReason = can(org.role, "instances:credentials") ? null : notAllowedReason(org.role, "see credentials");

  return (
    <Card>
      <CardHeader title="Credentials" description="Generated for this instance when it was provisioned. Shown once." />
      <CardBody className="space-y-3">
        {refused ? (
          <Alert tone="info">{reveal.error?.message}</Alert>
        ) : reveal.data && !asking ? (
          <p className="text-sm text-zinc-600">The credentials were shown. Fleetplane will not show them again.</p>
        ) : (
          <>
            <ErrorMessage error={reveal.error} />
            <p className="text-sm text-zinc-600">Fleetplane shows the username and password one time only. Have a password manager ready before you reveal them.</p>
            <Button variant="secondary" size="sm" disabledReason={roleReason ?? (ready ? null : "The credentials can be shown while the instance exists and is provisioned")} onClick={() => setAsking(true)}>
              Reveal credentials
            </Button>
          </>
        )}
      </CardBody>
      {asking && (
        <Dialog
          open
          onClose={() => setAsking(false)}
          title={reveal.data ? `Credentials of ${instanceName}` : "Reveal the credentials?"}
          footer={
            reveal.data ? (
              <Button onClick={() => setAsking(false)}>I have saved them</Button>
            ) : (
              <>
                <Button variant="secondary" onClick={() => setAsking(false)} disabled={reveal.isPending}>
                  Not now
                </Button>
                <Button
                  loading={reveal.isPending}
                  onClick={() =>
                    reveal.mutate(
                      { orgId: org.id, instanceId },
                      {
                        onError: () => setAsking(false),
                      },
                    )
                  }
                >
                  Reveal once
                </Button>
              </>
            )
          }
        >
          {reveal.data ? (
            <div className="space-y-4">
              <Alert tone="warning" title="Copy them now">
                They will not be shown again. If you lose them, recreate the instance to get new ones.
              </Alert>
              <div className="space-y-1.5">
                <Label>Username</Label>
                <CopyField value={reveal.data.username} label="Username" />
              </div>
              <div className="space-y-1.5">
                <Label>Password</Label>
                <CopyField value={reveal.data.password} label="Password" />
              </div>
              <p className="text-xs text-zinc-500">
                Stored in the Kubernetes Secret <code className="font-mono">{reveal.data.secretName}</code> of the instance&apos;s namespace.
              </p>
            </div>
          ) : (
            <p className="text-sm text-zinc-700">The username and password appear here this one time only. Afterwards nobody can see them in Fleetplane again.</p>
          )}
        </Dialog>
      )}
    </Card>
  );
}
