// The Kubernetes events of an instance's namespace, newest first; when the cluster cannot be reached, says so plainly.
"use client";
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Alert, Badge, Card, CardHeader, EmptyState, ErrorMessage, LoadingBlock, Table, TBody, TD, TH, THead, TR } from "@/components/ui";
import { Ago } from "@/components/workflows/relative-time";
import { useTRPC } from "@/lib/trpc/client";

type KubeEvent = {
  type?: string | null;
  reason?: string | null;
  message?: string | null;
  involvedObject?: string | { kind?: string | null; name?: string | null } | null;
  count?: number | null;
  lastTimestamp?: Date | string | null;
};

function objectName(o: KubeEvent["involvedObject"]): string {
  if (!o) return "—";
  if (typeof o === "string") return o;
  return [o.kind, o.name].filter(Boolean).join("/") || "—";
}

/** `version` changes whenever the instance's state or latest run changes, so events are fetched again right then. */
export function EventsTable({ orgId, instanceId, fast, placed, version }: { orgId: string; instanceId: string; fast: boolean; placed: boolean; version: string }) {
  const trpc = useTRPC();
  const events = useQuery({ ...trpc.instances.events.queryOptions({ orgId, instanceId }), refetchInterval: fast ? 3_000 : 15_000 });
  const { refetch } = events;
  useEffect(() => {
    void refetch();
  }, [version, refetch]);
  const data = events.data as { events: KubeEvent[]; error: string | null } | undefined;
  const rows = [...(data?.events ?? [])].sort((a, b) => new Date(b.lastTimestamp ?? 0).getTime() - new Date(a.lastTimestamp ?? 0).getTime());
  return (
    <Card>
      <CardHeader title="Kubernetes events" description="What the cluster reports about this instance's namespace: scheduling, image pulls, probes, restarts." />
      {events.isPending ? (
        <LoadingBlock label="Loading events" />
      ) : events.error ? (
        <ErrorMessage className="m-4" error={events.error} />
      ) : (
        <>
          {data?.error && (
            <Alert tone="warning" className="m-4">
              {data.error}
            </Alert>
          )}
          {rows.length === 0 ? (
            !data?.error &&
            (placed ? (
              <EmptyState title="No events" description="The cluster has reported nothing for this namespace recently. Events expire after about an hour." />
            ) : (
              <EmptyState title="No events yet" description="The instance is not on a cluster yet; events appear once it is placed and its namespace exists." />
            ))
          ) : (
            <Table label="Kubernetes events">
              <THead>
                <TR>
                  <TH>Type</TH>
                  <TH>Reason</TH>
                  <TH>Object</TH>
                  <TH>Message</TH>
                  <TH className="text-right">Count</TH>
                  <TH>Last seen</TH>
                </TR>
              </THead>
              <TBody>
                {rows.map((e, i) => (
                  <TR key={`${objectName(e.involvedObject)}-${e.reason}-${i}`}>
                    <TD className="align-top">
                      <Badge tone={e.type === "Warning" ? "amber" : "neutral"}>{e.type ?? "—"}</Badge>
                    </TD>
                    <TD className="align-top font-medium whitespace-nowrap text-zinc-900">{e.reason ?? "—"}</TD>
                    <TD className="align-top font-mono text-xs">{objectName(e.involvedObject)}</TD>
                    <TD className="min-w-64 align-top text-xs">{e.message ?? ""}</TD>
                    <TD className="text-right align-top tabular-nums">{e.count ?? 1}</TD>
                    <TD className="align-top text-xs whitespace-nowrap">
                      <Ago value={e.lastTimestamp} />
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          )}
        </>
      )}
    </Card>
  );
}
