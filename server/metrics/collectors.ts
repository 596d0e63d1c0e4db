// What /api/metrics reports about the control plane, read fresh on every scrape: a few SQL aggregates and Redis
// calls per collector (queue depths, workflow runs, the fleet, incidents, gateway traffic, billing).
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { clusterStatuses, exportStatuses, observedStates, runStatuses } from "@/db/schema";
import { getBullConnection, getQueue, QUEUES } from "@/server/jobs/queues";
import { getRedis, redisKey } from "@/server/redis/client";
import type { MetricFamily, Sample } from "./exposition";

/** A named source of metric families; a failure drops only its own families (see collectMetrics). */
export type Collector = { name: string; collect: () => Promise<MetricFamily[]> };

type Counted = { n: number };

/** Samples for every value of a closed set, zero where nothing was counted, so series never vanish. */
function byValue(label: string, values: readonly string[], counts: Map<string, number>): Sample[] {
  const all = new Set([...values, ...counts.keys()]);
  return [...all].map((v) => ({ labels: { [label]: v }, value: counts.get(v) ?? 0 }));
}

/** Fails at once when a connection is down, instead of queueing commands that wait for a reconnect. */
function assertConnected(status: string, what: string): void {
  if (status === "reconnecting" || status === "close" || status === "end") throw new Error(`${what} is not connected (${status})`);
}

const JOB_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;

/** Jobs per queue and state (one Lua call per queue). */
export const queueCollector: Collector = {
  name: "queues",
  async collect() {
    assertConnected(getBullConnection().status, "the queue connection");
    const names = Object.values(QUEUES);
    const counts = await Promise.all(names.map((name) => getQueue(name).getJobCounts(...JOB_STATES)));
    const samples = names.flatMap((queue, i) => JOB_STATES.map((state) => ({ labels: { queue, state }, value: counts[i]![state] ?? 0 })));
    return [{ name: "fleetplane_queue_jobs", help: "BullMQ jobs per queue and state.", type: "gauge", samples }];
  },
};

const TERMINAL_RUN_STATUSES = new Set(["succeeded", "failed", "cancelled"]);

/** Workflow runs by type and status, and how many have not finished. */
export const workflowCollector: Collector = {
  name: "workflows",
  async collect() {
    const { rows } = await getDb().execute<Counted & { type: string; status: string }>(
      sql`select type, status, count(*)::int as n from workflow_runs group by type, status order by type, status`,
    );
    const active = rows.filter((r) => !TERMINAL_RUN_STATUSES.has(r.status)).reduce((sum, r) => sum + r.n, 0);
    return [
      {
        name: "fleetplane_workflow_runs_total",
        // A gauge: a run moves between statuses (a failed run retried by hand leaves `failed`).
        help: `Workflow runs by type and current status (${runStatuses.join(", ")}).`,
        type: "gauge",
        samples: rows.map((r) => ({ labels: { type: r.type, status: r.status }, value: r.n })),
      },
      { name: "fleetplane_workflow_runs_active", help: "Workflow runs not finished: queued, running, paused or cancelling.", type: "gauge", samples: [{ value: active }] },
    ];
  },
};

/** Live instances by observed state; clusters by status, and how many are cordoned. */
export const fleetCollector: Collector = {
  name: "fleet",
  async collect() {
    const db = getDb();
    const [instanceRows, clusterRows] = await Promise.all([
      db.execute<Counted & { state: string }>(sql`select observed_state as state, count(*)::int as n from instances where deleted_at is null group by observed_state`),
      db.execute<Counted & { status: string; cordoned: number }>(
        sql`select status, count(*)::int as n, (count(*) filter (where cordoned))::int as cordoned from clusters group by status`,
      ),
    ]);
    const cordoned = clusterRows.rows.reduce((sum, r) => sum + r.cordoned, 0);
    return [
      {
        name: "fleetplane_instances",
        help: "Instances not deleted, by observed state.",
        type: "gauge",
        samples: byValue("state", observedStates.filter((s) => s !== "deleted"), new Map(instanceRows.rows.map((r) => [r.state, r.n]))),
      },
      { name: "fleetplane_clusters", help: "Registered clusters by status.", type: "gauge", samples: byValue("status", clusterStatuses, new Map(clusterRows.rows.map((r) => [r.status, r.n]))) },
      { name: "fleetplane_cluster_cordoned", help: "Clusters cordoned (no new placements).", type: "gauge", samples: [{ value: cordoned }] },
    ];
  },
};

function isUndefinedTable(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.cause?.code === "42P01" || e?.code === "42P01";
}

/** Finished recoveries by cause and outcome, and incidents still open; nothing while the incidents table does not exist. */
export const incidentCollector: Collector = {
  name: "incidents",
  async collect() {
    const db = getDb();
    const { rows: present } = await db.execute<{ present: boolean }>(sql`select to_regclass('incidents') is not null as present`);
    if (!present[0]?.present) return [];
    let rows: (Counted & { kind: string; status: string; outcome: string | null })[];
    try {
      ({ rows } = await db.execute<Counted & { kind: string; status: string; outcome: string | null }>(
        sql`select kind, status, outcome, count(*)::int as n from incidents group by kind, status, outcome`,
      ));
    } catch (err) {
      if (isUndefinedTable(err)) return [];
      throw err;
    }
    const recoveries = new Map<string, { kind: string; outcome: string; n: number }>();
    let open = 0;
    for (const r of rows) {
      if (r.status !== "resolved") open += r.n;
      if (r.outcome === null) continue;
      const key = `${r.kind}\0${r.outcome}`;
      const cur = recoveries.get(key) ?? { kind: r.kind, outcome: r.outcome, n: 0 };
      cur.n += r.n;
      recoveries.set(key, cur);
    }
    return [
      {
        name: "fleetplane_recoveries_total",
        help: "Incidents that ended, by cause (kind) and outcome (recovered, healed, failed, stopped).",
        type: "counter",
        samples: [...recoveries.values()].map((r) => ({ labels: { kind: r.kind, outcome: r.outcome }, value: r.n })),
      },
      { name: "fleetplane_incidents_open", help: "Incidents not resolved (open, recovering or needing attention).", type: "gauge", samples: [{ value: open }] },
    ];
  },
};

/** Traffic through every gateway since the totals hash was created (the gateways add to it on each flush). */
export const gatewayCollector: Collector = {
  name: "gateway",
  async collect() {
    const redis = getRedis();
    assertConnected(redis.status, "Redis");
    const [requests, bytesIn, bytesOut] = await redis.hmget(redisKey("gateway", "totals"), "requests", "bytes_in", "bytes_out");
    const counter = (name: string, help: string, value: string | null | undefined): MetricFamily => ({ name, help, type: "counter", samples: [{ value: Number(value ?? 0) }] });
    return [
      counter("fleetplane_gateway_requests_total", "Requests routed to instances by the gateways.", requests),
      counter("fleetplane_gateway_bytes_in_total", "Bytes received from clients on proxied connections.", bytesIn),
      counter("fleetplane_gateway_bytes_out_total", "Bytes sent to clients on proxied connections.", bytesOut),
    ];
  },
};

/** Stripe exports by status, and meters whose reconciliation found a drift in the last 24 hours. */
export const billingCollector: Collector = {
  name: "billing",
  async collect() {
    const db = getDb();
    const [exports, drift] = await Promise.all([
      db.execute<Counted & { status: string }>(sql`select status, count(*)::int as n from billing_exports group by status`),
      db.execute<Counted>(
        sql`select count(distinct (org_id, meter))::int as n from billing_reconciliations where drift_micro <> 0 and checked_at > now() - interval '24 hours'`,
      ),
    ]);
    return [
      { name: "fleetplane_billing_exports", help: "Meter event exports to Stripe by status.", type: "gauge", samples: byValue("status", exportStatuses, new Map(exports.rows.map((r) => [r.status, r.n]))) },
      {
        name: "fleetplane_usage_drift_meters",
        help: "Organization meters whose totals differed from Stripe's in a reconciliation of the last 24 hours.",
        type: "gauge",
        samples: [{ value: drift.rows[0]?.n ?? 0 }],
      },
    ];
  },
};

/** Rollouts by status, and the targets of live rollouts by status (what an operator watches during a release). */
export const rolloutCollector: Collector = {
  name: "rollouts",
  async collect() {
    const db = getDb();
    let rollouts: (Counted & { status: string })[];
    let targets: (Counted & { status: string })[];
    try {
      ({ rows: rollouts } = await db.execute<Counted & { status: string }>(sql`select status, count(*)::int as n from rollouts group by status`));
      ({ rows: targets } = await db.execute<Counted & { status: string }>(
        sql`select t.status, count(*)::int as n from rollout_targets t join rollouts r on r.id = t.rollout_id where r.status in ('scheduled', 'running', 'paused', 'rolling_back') group by t.status`,
      ));
    } catch (err) {
      if (isUndefinedTable(err)) return [];
      throw err;
    }
    return [
      { name: "fleetplane_rollouts", help: "Rollouts by status.", type: "gauge", samples: rollouts.map((r) => ({ labels: { status: r.status }, value: r.n })) },
      { name: "fleetplane_rollout_targets", help: "Instances in live rollouts by upgrade status (pending, scheduled, in_progress, done, failed…).", type: "gauge", samples: targets.map((r) => ({ labels: { status: r.status }, value: r.n })) },
    ];
  },
};
