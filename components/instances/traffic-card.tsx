// An instance's traffic through the gateway: requests per second over the last hour (one column per minute), its
// last activity and the gateway address it answers on. Polls every 10 s, faster while a sleep or wake is under way.
"use client";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { StackedColumnChart, type ChartColumn } from "@/components/billing/charts";
import { Card, CardBody, CardHeader, ErrorMessage, LoadingBlock } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { Ago } from "@/components/workflows/relative-time";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";

export type Traffic = RouterOutputs["instances"]["traffic"];

const TRAFFIC_MINUTES = 60;
const SLOW_MS = 10_000;
const FAST_MS = 1_500;
const MOVING = ["queued", "running", "paused", "cancelling"];

/** The traffic query (chart and sleep/wake history), shared by the traffic and scale-to-zero cards. */
export function useTraffic(instanceId: string, busy: boolean) {
  const org = useOrg();
  const trpc = useTRPC();
  return useQuery({
    ...trpc.instances.traffic.queryOptions({ orgId: org.id, instanceId, minutes: TRAFFIC_MINUTES }),
    refetchInterval: (q) => (busy || q.state.data?.history.some((h) => MOVING.includes(h.status)) ? FAST_MS : SLOW_MS),
  });
}

const rate = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const count = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });

const perSecond = (v: number) => (v > 0 && v < 0.01 ? "<0.01 req/s" : `${rate.format(v)} req/s`);

/** The 10-second buckets as one column per minute, each the minute's average rate. */
function minuteColumns(buckets: Traffic["rate"]): ChartColumn[] {
  // The hour's first and last minutes are only partly covered: average over the buckets each minute has.
  const minutes = new Map<number, { sum: number; n: number }>();
  for (const b of buckets) {
    const start = Math.floor(b.t / 60_000) * 60_000;
    const m = minutes.get(start) ?? { sum: 0, n: 0 };
    minutes.set(start, { sum: m.sum + b.perSecond, n: m.n + 1 });
  }
  return [...minutes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, { sum, n }]) => ({
      key: String(start),
      label: `${clock.format(start)}–${clock.format(start + 60_000)}`,
      tick: clock.format(start),
      segments: [{ key: "requests", label: "Requests/s", value: sum / n, swatch: "bg-brand-500" }],
    }));
}

export function TrafficCard({ namespace, traffic }: { namespace: string; traffic: ReturnType<typeof useTraffic> }) {
  const data = traffic.data;
  const total = data ? data.rate.reduce((s, b) => s + b.perSecond * 10, 0) : 0;
  const peak = data ? Math.max(0, ...data.rate.map((b) => b.perSecond)) : 0;
  return (
    <Card>
      <CardHeader title="Traffic" description="Requests through the gateway over the last hour, per second." />
      <CardBody className="space-y-5">
        <dl className="grid gap-4 sm:grid-cols-2">
          <Fact label="Last activity">
            {data?.lastActivityAt ? <Ago value={data.lastActivityAt} className="font-medium text-zinc-900" /> : <span className="text-zinc-500">{data ? "None recorded" : "…"}</span>}
          </Fact>
          <Fact label="Gateway address">
            <code className="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs break-all text-zinc-900">{data?.gatewayUrl ?? `…/i/${namespace}/`}</code>
            {data && <span className="mt-1 block text-xs text-zinc-500">or {data.gatewayPathUrl} — a request there wakes a sleeping instance.</span>}
          </Fact>
        </dl>
        {traffic.isPending ? (
          <LoadingBlock label="Loading traffic" />
        ) : traffic.error ? (
          <ErrorMessage error={traffic.error} />
        ) : (
          <StackedColumnChart
            columns={minuteColumns(data!.rate)}
            format={perSecond}
            axisFormat={(v) => rate.format(v)}
            emptyMax={1}
            label="Requests per second, last hour"
            columnHeading="Minute"
            summary={total > 0 ? `${count.format(total)} requests in the last hour · peak ${perSecond(peak)} (10-second average)` : "No requests in the last hour"}
          />
        )}
      </CardBody>
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-1 text-sm">{children}</dd>
    </div>
  );
}
