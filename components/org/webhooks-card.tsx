// Webhooks on the settings page: endpoints (add with the signing secret shown once, enable/disable, send a test,
// delete) and their recent deliveries with status. Same patterns as the API keys page.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { AppIcon } from "@/components/icons";
import {
  Alert, Badge, Button, Card, CardBody, CardHeader, Checkbox, ConfirmDialog, CopyField, Dialog, EmptyState, ErrorMessage, Field, Input,
  LoadingBlock, Table, TBody, TD, TH, THead, TR, Time,
} from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { can } from "@/lib/roles";
import { useOrg } from "./org-context";

const EVENTS = [
  { type: "incident.opened", label: "Incident opened", hint: "An instance became unhealthy and recovery started" },
  { type: "incident.escalated", label: "Incident needs attention", hint: "Automatic recovery cannot fix it; a person is needed" },
  { type: "incident.resolved", label: "Incident resolved", hint: "The instance is healthy again" },
] as const;
type EventType = (typeof EVENTS)[number]["type"];

const eventLabel = (t: string) => EVENTS.find((e) => e.type === t)?.label ?? (t === "ping" ? "Test ping" : t);

const deliveryTone = { delivered: "green", pending: "amber", failed: "red" } as const;

type Hook = { id: string; url: string; enabled: boolean };

function useInvalidateWebhooks() {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey({ orgId: org.id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.queryKey({ orgId: org.id }) }),
    ]);
}

export function WebhooksCard() {
  const org = useOrg();
  const [adding, setAdding] = useState(false);
  if (!can(org.role, "webhooks:read")) {
    return (
      <Card>
        <CardHeader title="Webhooks" description="Only owners and admins can see and change the organization's webhooks." />
      </Card>
    );
  }
  const mayManage = can(org.role, "webhooks:manage");
  return (
    <>
      <Card>
        <CardHeader
          title="Webhooks"
          description={
            <>
              Fleetplane POSTs signed JSON to these URLs when incidents open, need attention or resolve. Verify the{" "}
              <code className="font-mono text-xs">Fleetplane-Signature</code> header (<code className="font-mono text-xs">t=…,v1=…</code>, an HMAC-SHA256 of{" "}
              <code className="font-mono text-xs">{"<t>.<body>"}</code> with the secret) and use <code className="font-mono text-xs">Fleetplane-Event-Id</code> to ignore repeats.
            </>
          }
          actions={
            mayManage && (
              <Button onClick={() => setAdding(true)}>
                <AppIcon name="plus" className="size-4" /> Add webhook
              </Button>
            )
          }
        />
        <WebhookList onAdd={mayManage ? () => setAdding(true) : undefined} />
      </Card>
      <DeliveriesCard />
      <AddWebhookDialog open={adding} onClose={() => setAdding(false)} />
    </>
  );
}

function WebhookList({ onAdd }: { onAdd?: () => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const invalidate = useInvalidateWebhooks();
  const hooks = useQuery(trpc.webhooks.list.queryOptions({ orgId: org.id }));
  const [deleting, setDeleting] = useState<Hook | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: invalidate }));
  const test = useMutation(
    trpc.webhooks.sendTest.mutationOptions({
      onSuccess: async () => {
        setNotice("Test ping queued; see Recent deliveries below.");
        await invalidate();
      },
    }),
  );
  const mayManage = can(org.role, "webhooks:manage");

  if (hooks.isPending) return <LoadingBlock label="Loading webhooks" />;
  if (hooks.error) return <CardBody><ErrorMessage error={hooks.error} /></CardBody>;
  if (hooks.data.length === 0) {
    return (
      <EmptyState
        icon={<AppIcon name="incidents" />}
        title="No webhooks yet"
        description="Add an HTTPS endpoint to receive incident events in your chat, paging or ticketing tools."
        action={onAdd && <Button onClick={onAdd}>Add webhook</Button>}
      />
    );
  }
  return (
    <>
      {(notice || update.error || test.error) && (
        <CardBody className="space-y-2 border-b border-zinc-200">
          <ErrorMessage error={update.error ?? test.error} />
          {notice && !test.error && <Alert tone="success">{notice}</Alert>}
        </CardBody>
      )}
      <Table label="Webhooks">
        <THead>
          <TR>
            <TH>URL</TH>
            <TH>Events</TH>
            <TH>Status</TH>
            <TH className="hidden lg:table-cell">Last delivery</TH>
            <TH className="text-right">
              <span className="sr-only">Actions</span>
            </TH>
          </TR>
        </THead>
        <TBody>
          {hooks.data.map((h) => (
            <TR key={h.id}>
              <TD className="max-w-xs truncate font-mono text-xs text-zinc-900" title={h.url}>
                {h.url}
              </TD>
              <TD>
                <div className="flex flex-wrap gap-1">
                  {h.events.map((e) => (
                    <Badge key={e}>{eventLabel(e)}</Badge>
                  ))}
                </div>
              </TD>
              <TD>
                <Badge tone={h.enabled ? "green" : "neutral"}>{h.enabled ? "Enabled" : "Disabled"}</Badge>
              </TD>
              <TD className="hidden whitespace-nowrap lg:table-cell">
                {h.lastDeliveryAt ? (
                  <>
                    <Time value={h.lastDeliveryAt} mode="relative" />
                    {h.lastStatus && <div className="max-w-[16rem] truncate text-xs text-zinc-500" title={h.lastStatus}>{/^\d+$/.test(h.lastStatus) ? `HTTP ${h.lastStatus}` : h.lastStatus}</div>}
                  </>
                ) : (
                  "Never"
                )}
              </TD>
              <TD className="text-right whitespace-nowrap">
                {mayManage && (
                  <>
                    <Button variant="ghost" size="sm" loading={test.isPending && test.variables?.webhookId === h.id} onClick={() => { setNotice(null); test.mutate({ orgId: org.id, webhookId: h.id }); }}>
                      Send test
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      loading={update.isPending && update.variables?.webhookId === h.id}
                      onClick={() => update.mutate({ orgId: org.id, webhookId: h.id, enabled: !h.enabled })}
                    >
                      {h.enabled ? "Disable" : "Enable"}
                    </Button>
                    <Button variant="ghost-danger" size="sm" onClick={() => setDeleting(h)}>
                      Delete
                    </Button>
                  </>
                )}
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
      <ConfirmDialog
        open={!!deleting}
        onClose={() => setDeleting(null)}
        title="Delete webhook?"
        message={`Nothing more is sent to ${deleting?.url}, and its delivery history goes with it. This cannot be undone.`}
        confirmLabel="Delete webhook"
        onConfirm={() => remove.mutateAsync({ orgId: org.id, webhookId: deleting!.id })}
      />
    </>
  );
}

function DeliveriesCard() {
  const org = useOrg();
  const trpc = useTRPC();
  const deliveries = useQuery({
    ...trpc.webhooks.deliveries.queryOptions({ orgId: org.id }),
    // Keep watching while something is still on its way.
    refetchInterval: (q) => (q.state.data?.some((d) => d.status === "pending") ? 5_000 : false),
  });
  const hooks = useQuery(trpc.webhooks.list.queryOptions({ orgId: org.id }));
  if (!hooks.data?.length && !deliveries.data?.length) return null;
  const urlOf = (id: string) => hooks.data?.find((h) => h.id === id)?.url ?? "";
  return (
    <Card>
      <CardHeader title="Recent deliveries" description="Failed attempts are retried with growing delays, up to 8 attempts in about two hours." />
      {deliveries.isPending ? (
        <LoadingBlock label="Loading deliveries" />
      ) : deliveries.error ? (
        <CardBody>
          <ErrorMessage error={deliveries.error} />
        </CardBody>
      ) : deliveries.data.length === 0 ? (
        <CardBody>
          <p className="text-sm text-zinc-600">Nothing sent yet. Use “Send test” to check your endpoint.</p>
        </CardBody>
      ) : (
        <Table label="Recent webhook deliveries">
          <THead>
            <TR>
              <TH>Event</TH>
              <TH className="hidden md:table-cell">Endpoint</TH>
              <TH>Status</TH>
              <TH>Attempts</TH>
              <TH>Answer</TH>
              <TH>Created</TH>
            </TR>
          </THead>
          <TBody>
            {deliveries.data.map((d) => (
              <TR key={d.id}>
                <TD>
                  <div className="font-medium text-zinc-900">{eventLabel(d.eventType)}</div>
                  <div className="max-w-[14rem] truncate font-mono text-xs text-zinc-500" title={d.eventId}>
                    {d.eventId}
                  </div>
                </TD>
                <TD className="hidden max-w-[14rem] truncate font-mono text-xs md:table-cell" title={urlOf(d.webhookId)}>
                  {urlOf(d.webhookId)}
                </TD>
                <TD>
                  <Badge tone={deliveryTone[d.status]}>{d.status === "delivered" ? "Delivered" : d.status === "failed" ? "Failed" : "Pending"}</Badge>
                  {d.status === "pending" && d.attempts > 0 && (
                    <div className="text-xs text-zinc-500">
                      retry <Time value={d.nextAttemptAt} mode="relative" />
                    </div>
                  )}
                </TD>
                <TD>{d.attempts}</TD>
                <TD className="max-w-[16rem] truncate text-xs" title={d.lastError ?? undefined}>
                  {d.status === "delivered" ? `HTTP ${d.responseStatus}` : (d.lastError ?? "—")}
                </TD>
                <TD className="whitespace-nowrap">
                  <Time value={d.createdAt} mode="relative" />
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

function AddWebhookDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const org = useOrg();
  const trpc = useTRPC();
  const invalidate = useInvalidateWebhooks();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventType[]>(EVENTS.map((e) => e.type));
  const create = useMutation(trpc.webhooks.create.mutationOptions({ onSuccess: invalidate }));
  const errors = fieldErrorsOf(create.error);

  function close() {
    onClose();
    create.reset();
    setUrl("");
    setEvents(EVENTS.map((e) => e.type));
  }

  if (create.data) {
    return (
      <Dialog open={open} onClose={close} title="Your webhook's signing secret" footer={<Button onClick={close}>Done</Button>}>
        <div className="space-y-4">
          <Alert tone="warning" title="Copy the secret now">
            This is the only time the secret is shown. Fleetplane keeps it encrypted and never displays it again; if you lose it, delete the webhook and add it again.
          </Alert>
          <CopyField value={create.data.secret} label="Webhook signing secret" />
          <p className="text-sm text-zinc-600">
            Each request carries <code className="font-mono text-xs">Fleetplane-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;</code>. Compute HMAC-SHA256 of{" "}
            <code className="font-mono text-xs">{"`${t}.${rawBody}`"}</code> with this secret, compare it with <code className="font-mono text-xs">v1</code> in constant time, and
            refuse timestamps older than five minutes.
          </p>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Add webhook"
      description="Fleetplane sends a signed POST with a JSON body for each event you pick."
      footer={
        <>
          <Button variant="secondary" onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="add-webhook" loading={create.isPending} disabledReason={events.length === 0 ? "Pick at least one event" : null}>
            Add webhook
          </Button>
        </>
      }
    >
      <form
        id="add-webhook"
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ orgId: org.id, url, events });
        }}
      >
        <ErrorMessage error={formErrorMessage(create.error, ["url", "events"])} />
        <Field label="Endpoint URL" error={errors.url} hint="Must use https://. Redirects to another host are not followed.">
          <Input name="url" type="url" required maxLength={2000} placeholder="https://example.com/hooks/fleetplane" value={url} onChange={(e) => setUrl(e.target.value)} />
        </Field>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-800">Events</legend>
          {EVENTS.map((e) => (
            <Checkbox
              key={e.type}
              label={e.label}
              hint={e.hint}
              checked={events.includes(e.type)}
              onChange={(ev) => setEvents((cur) => (ev.target.checked ? [...cur, e.type] : cur.filter((x) => x !== e.type)))}
            />
          ))}
          {errors.events && <p className="text-sm text-red-700">{errors.events}</p>}
        </fieldset>
      </form>
    </Dialog>
  );
}
