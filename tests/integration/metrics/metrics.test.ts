// /api/metrics through its route handler, against real PostgreSQL and Redis: the exposition reflects rows, queued
// jobs and gateway traffic flushed by the gateway's meter; the bearer token check; a failing collector.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { getDb } from "@/db/client";
import { billingExports, billingReconciliations, clusters, workflowRuns } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { resetEnvCache } from "@/server/env";
import { requestRateKey } from "@/server/gateway/request-rate";
import { RequestMeter } from "@/server/gateway/metering";
import { closeQueues, getQueue, QUEUES } from "@/server/jobs/queues";
import { collectMetrics, DEFAULT_COLLECTORS } from "@/server/metrics/collect-metrics";
import { getRedis, redisKey } from "@/server/redis/client";
import { signUpWithOrg } from "../../helpers/callers";
import { insertInstance } from "../gateway/helpers";

const TOKEN = "metrics-token-0123456789abcdef";
let orgId = "";

/** Sample lines as `name{labels}` → value; also checks that every sample follows its family's HELP and TYPE. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  const helped = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        expect(["counter", "gauge"]).toContain(meta[3]);
        typed.add(meta[2]!);
      } else helped.add(meta[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    expect(m, `malformed line: ${line}`).not.toBeNull();
    expect(typed.has(m![1]!) && helped.has(m![1]!), `no HELP/TYPE before ${line}`).toBe(true);
    samples.set(`${m![1]}${m![2] ?? ""}`, Number(m![3]));
  }
  return samples;
}

async function scrape(headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const res = await GET(new Request("http://localhost/api/metrics", { headers }));
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

async function metrics(): Promise<Map<string, number>> {
  const { status, text } = await scrape();
  expect(status).toBe(200);
  return parse(text);
}

async function incidentsTableExists(): Promise<boolean> {
  const { rows } = await getDb().execute<{ present: boolean }>(sql`select to_regclass('incidents') is not null as present`);
  return rows[0]!.present;
}

beforeAll(async () => {
  const db = getDb();
  await seedDemo(db);
  orgId = (await signUpWithOrg("Metrics")).orgId;
}, 60_000);

afterEach(() => {
  delete process.env.METRICS_TOKEN;
  resetEnvCache();
});

afterAll(async () => {
  await closeQueues();
});

describe("/api/metrics", () => {
  it("serves the exposition format with every collector succeeding", async () => {
    const { status, text, type } = await scrape();
    expect(status).toBe(200);
    expect(type).toBe("text/plain; version=0.0.4; charset=utf-8");
    const m = parse(text);
    for (const c of DEFAULT_COLLECTORS) expect(m.get(`fleetplane_scrape_errors{collector="${c.name}"}`)).toBe(0);
    expect(m.get("process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect(m.get("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.has("nodejs_eventloop_lag_seconds")).toBe(true);
    for (const q of Object.values(QUEUES)) {
      for (const state of ["waiting", "active", "delayed", "failed", "completed"]) expect(m.has(`fleetplane_queue_jobs{queue="${q}",state="${state}"}`)).toBe(true);
    }
  });

  it("counts workflow runs by type and status, and the active ones", async () => {
    const before = await metrics();
    const run = (type: string, status: (typeof workflowRuns.$inferInsert)["status"]) => ({
      type,
      status,
      subjectType: "instance",
      subjectId: randomUUID(),
      orgId,
      input: {},
      stepCount: 1,
      requestedBy: "test",
    });
    await getDb()
      .insert(workflowRuns)
      .values([run("metrics-probe", "succeeded"), run("metrics-probe", "succeeded"), run("metrics-probe", "failed"), run("metrics-probe", "running"), run("metrics-probe", "queued")]);
    const m = await metrics();
    expect(m.get('fleetplane_workflow_runs_total{type="metrics-probe",status="succeeded"}')).toBe(2);
    expect(m.get('fleetplane_workflow_runs_total{type="metrics-probe",status="failed"}')).toBe(1);
    expect(m.get('fleetplane_workflow_runs_total{type="metrics-probe",status="running"}')).toBe(1);
    expect(m.get("fleetplane_workflow_runs_active")).toBe(before.get("fleetplane_workflow_runs_active")! + 2);
  });

  it("counts live instances by state, clusters by status and cordoned clusters", async () => {
    const before = await metrics();
    await insertInstance(orgId, "metrics-a", { host: "127.0.0.1", port: 1 });
    await insertInstance(orgId, "metrics-b", { host: "127.0.0.1", port: 2 });
    const db = getDb();
    const cluster = (name: string, status: (typeof clusters.$inferInsert)["status"], cordoned: boolean) => ({ name, region: "eu-west-1", kubeconfigEncrypted: "x", serverUrl: "http://127.0.0.1:1", status, cordoned });
    await db.insert(clusters).values([cluster("m-1", "healthy", false), cluster("m-2", "healthy", true), cluster("m-3", "unreachable", false)]);
    const m = await metrics();
    expect(m.get('fleetplane_instances{state="running"}')).toBe((before.get('fleetplane_instances{state="running"}') ?? 0) + 2);
    expect(m.get('fleetplane_instances{state="failed"}')).toBe(before.get('fleetplane_instances{state="failed"}'));
    expect(m.has('fleetplane_instances{state="deleted"}')).toBe(false);
    expect(m.get('fleetplane_clusters{status="healthy"}')).toBe((before.get('fleetplane_clusters{status="healthy"}') ?? 0) + 2);
    expect(m.get('fleetplane_clusters{status="unreachable"}')).toBe((before.get('fleetplane_clusters{status="unreachable"}') ?? 0) + 1);
    expect(m.get('fleetplane_clusters{status="degraded"}')).toBe(0);
    expect(m.get("fleetplane_cluster_cordoned")).toBe((before.get("fleetplane_cluster_cordoned") ?? 0) + 1);
  });

  it("reports queue depths from BullMQ", async () => {
    const before = await metrics();
    await getQueue(QUEUES.maintenance).add("metrics-probe", {}, { delay: 60_000 });
    await getQueue(QUEUES.scaling).add("metrics-probe", {});
    await getQueue(QUEUES.scaling).add("metrics-probe", {});
    const m = await metrics();
    const key = (queue: string, state: string) => `fleetplane_queue_jobs{queue="${queue}",state="${state}"}`;
    expect(m.get(key("maintenance", "delayed"))).toBe(before.get(key("maintenance", "delayed"))! + 1);
    expect(m.get(key("scaling", "waiting"))).toBe(before.get(key("scaling", "waiting"))! + 2);
  });

  it("exposes gateway totals that the gateway's meter adds on every flush, never drained", async () => {
    const keys = { requests: redisKey("usage", "requests"), activity: redisKey("usage", "activity"), rate: requestRateKey };
    const meter = new RequestMeter(getRedis(), keys);
    const id = randomUUID();
    for (let i = 0; i < 3; i++) meter.countRequest(id);
    meter.countBytes(id, 300, 1200);
    await meter.flush();
    // Bytes counted after the requests were flushed (a response that closed later) still reach the totals.
    meter.countBytes(id, 10, 20);
    meter.countRequest(randomUUID());
    await meter.flush();
    // The workers drain the usage hash; the totals must not follow.
    await getRedis().del(keys.requests);
    const m = await metrics();
    expect(m.get("fleetplane_gateway_requests_total")).toBe(4);
    expect(m.get("fleetplane_gateway_bytes_in_total")).toBe(310);
    expect(m.get("fleetplane_gateway_bytes_out_total")).toBe(1220);
  });

  it("counts billing exports by status and meters that drifted in the last 24 hours", async () => {
    const db = getDb();
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
    const exp = (n: number, status: (typeof billingExports.$inferInsert)["status"]) => ({ identifier: `fp-metrics-${n}`, orgId, meter: "requests" as const, hour, revision: n, valueMicro: 1n, status });
    await db.insert(billingExports).values([exp(1, "sent"), exp(2, "sent"), exp(3, "pending"), exp(4, "expired")]);
    const rec = (meter: "requests" | "vcpu_seconds", driftMicro: bigint, hoursAgo: number) => ({
      orgId,
      meter,
      periodStart: hour,
      periodEnd: new Date(hour.getTime() + 3_600_000),
      localMicro: 10n,
      stripeMicro: 10n + driftMicro,
      driftMicro,
      checkedAt: new Date(Date.now() - hoursAgo * 3_600_000),
    });
    // Two drifting checks of one meter count once; no drift and drift older than a day do not count.
    await db.insert(billingReconciliations).values([rec("requests", 5n, 1), rec("requests", -3n, 2), rec("vcpu_seconds", 0n, 1), rec("vcpu_seconds", 7n, 30)]);
    const m = await metrics();
    expect(m.get('fleetplane_billing_exports{status="sent"}')).toBe(2);
    expect(m.get('fleetplane_billing_exports{status="pending"}')).toBe(1);
    expect(m.get('fleetplane_billing_exports{status="expired"}')).toBe(1);
    expect(m.get('fleetplane_billing_exports{status="skipped"}')).toBe(0);
    expect(m.get("fleetplane_usage_drift_meters")).toBe(1);
  });

  it("reports recoveries and open incidents when the incidents table exists, and nothing for them otherwise", async () => {
    const expectNoIncidentMetrics = async () => {
      const { text } = await scrape();
      expect(text).not.toMatch(/fleetplane_(recoveries_total|incidents_open)/);
      expect(parse(text).get('fleetplane_scrape_errors{collector="incidents"}')).toBe(0);
    };
    if (!(await incidentsTableExists())) return expectNoIncidentMetrics();
    const insert = (kind: string, status: string, outcome: string | null) =>
      getDb().execute(sql`insert into incidents (org_id, kind, status, outcome, title) values (${orgId}, ${kind}, ${status}, ${outcome}, 'metrics test')`);
    await insert("crash_loop", "resolved", "recovered");
    await insert("crash_loop", "resolved", "recovered");
    await insert("node_lost", "resolved", "healed");
    await insert("cluster_unreachable", "needs_attention", null);
    await insert("unschedulable", "recovering", null);
    const m = await metrics();
    expect(m.get('fleetplane_recoveries_total{kind="crash_loop",outcome="recovered"}')).toBe(2);
    expect(m.get('fleetplane_recoveries_total{kind="node_lost",outcome="healed"}')).toBe(1);
    expect(m.get("fleetplane_incidents_open")).toBe(2);
    // A database migrated before the incidents table existed (this file's database is its own, so hiding it is safe).
    await getDb().execute(sql`alter table incidents rename to incidents_hidden`);
    try {
      await expectNoIncidentMetrics();
    } finally {
      await getDb().execute(sql`alter table incidents_hidden rename to incidents`);
    }
  });

  it("reports rollouts by status", async () => {
    const [svc] = (await getDb().execute<{ id: string }>(sql`insert into services (slug, name, kind) values ('metrics-svc', 'Metrics', 'stateless') returning id`)).rows;
    const [ver] = (await getDb().execute<{ id: string }>(sql`insert into service_versions (service_id, version, image, manifest_template) values (${svc!.id}, '1.0.0', 'x/y:1', 'kind: x') returning id`)).rows;
    const rollout = (status: string) =>
      getDb().execute(sql`insert into rollouts (service_id, to_version_id, first_version_id, status, target, wave_plan, wave_count, soak_seconds, max_parallel, failure_threshold, starts_at, target_count, created_by)
        values (${svc!.id}, ${ver!.id}, ${ver!.id}, ${status}, '{}', '{"canary":{"count":1},"percents":[100]}', 2, 0, 10, '{"count":1}', now(), 0, 'test')`);
    await rollout("paused");
    await rollout("completed");
    await rollout("completed");
    const m = await metrics();
    expect(m.get('fleetplane_rollouts{status="paused"}')).toBe(1);
    expect(m.get('fleetplane_rollouts{status="completed"}')).toBe(2);
    expect(m.get('fleetplane_scrape_errors{collector="rollouts"}')).toBe(0);
  });

  it("requires the bearer token when METRICS_TOKEN is set", async () => {
    process.env.METRICS_TOKEN = TOKEN;
    resetEnvCache();
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(none.text).not.toContain("fleetplane_");
    expect((await scrape({ authorization: "Bearer wrong-token-0123456789abcdef" })).status).toBe(401);
    expect((await scrape({ authorization: TOKEN })).status).toBe(401);
    const ok = await scrape({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("# TYPE fleetplane_queue_jobs gauge");
  });

  it("serves the other collectors when one fails or hangs, without leaking the error", async () => {
    const failing = {
      name: "broken",
      collect: async () => {
        throw new Error("secret detail: password=hunter2");
      },
    };
    const hanging = { name: "hanging", collect: () => new Promise<never>(() => {}) };
    const badName = { name: "misnamed", collect: async () => [{ name: "not a name", help: "", type: "gauge" as const, samples: [] }] };
    const text = await collectMetrics([...DEFAULT_COLLECTORS, failing, hanging, badName], 500);
    const m = parse(text);
    expect(m.get('fleetplane_scrape_errors{collector="broken"}')).toBe(1);
    expect(m.get('fleetplane_scrape_errors{collector="hanging"}')).toBe(1);
    expect(m.get('fleetplane_scrape_errors{collector="misnamed"}')).toBe(1);
    expect(m.get('fleetplane_scrape_errors{collector="workflows"}')).toBe(0);
    expect(m.has("fleetplane_workflow_runs_active")).toBe(true);
    expect(text).not.toContain("hunter2");
    expect(text).not.toMatch(/\n\s+at /);
  });
});
