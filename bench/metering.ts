// Benchmark `metering`: (a) ingest — usage events written and rolled up per second through ingestUsageEvents, per
// batch size (median of several runs), with a check that every rollup equals the sum of its distinct events;
// (b) export — hourly totals sent as Stripe meter events per second to an in-process emulator, through the rate
// limiter (STRIPE_METER_EVENTS_PER_SECOND), with a check that the emulator's totals equal ours exactly.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startStripeEmulator } from "@/stripe-emulator";
import { createBenchEnvironment } from "./lib/environment";
import { median, round } from "./lib/stats";
import type { BenchmarkResult, Metric } from "./lib/types";

const BATCH_SIZES = (process.env.BENCH_METERING_BATCHES ?? "2000,5000,10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_METERING_RUNS ?? 5);
const EVENTS_PER_RUN = Number(process.env.BENCH_METERING_EVENTS ?? 60_000);
const EXPORT_ORGS = Number(process.env.BENCH_METERING_EXPORT_ORGS ?? 10);
const EXPORT_HOURS = 150;
const RATE_LIMIT = Number(process.env.STRIPE_METER_EVENTS_PER_SECOND ?? 1000);
const HOUR_MS = 3_600_000;
const METERS = ["vcpu_seconds", "memory_gib_seconds", "storage_gib_hours", "requests"] as const;

export default async function run(): Promise<BenchmarkResult> {
  const env = await createBenchEnvironment("metering");
  const emulator = await startStripeEmulator({ port: 0 });
  Object.assign(process.env, { STRIPE_SECRET_KEY: emulator.apiKey, STRIPE_API_URL: emulator.url, STRIPE_METER_EVENTS_PER_SECOND: String(RATE_LIMIT), BILLING_EXPORT_DELAY_SECONDS: "0" });
  const { getDb } = await import("@/db/client");
  const { organizations, usageHourTotals, billingAccounts, billingExports } = await import("@/db/schema");
  const { ingestUsageEvents } = await import("@/server/metering/ingest-usage");
  const { formatMicro, METERS: DEFS } = await import("@/server/metering/meters");
  const { ensureStripeCustomer } = await import("@/server/billing/billing-accounts");
  const { syncStripeCatalog } = await import("@/server/billing/stripe-catalog");
  const { runExportPass } = await import("@/server/billing/export-pass");
  const { and, eq, inArray, isNotNull, sql } = await import("drizzle-orm");
  type UsageEvent = Parameters<typeof ingestUsageEvents>[1][number];
  const db = getDb();
  const metrics: Metric[] = [];
  try {
    // ---- (a) ingest: 200 organizations × 5 instances; each run covers its own hours, 1–2 events per instance,
    // meter and hour (as segment pieces are), 10% not billable, and 2% replays of keys already sent.
    const instances = Array.from({ length: 1000 }, (_, i) => ({ orgId: i % 5 === 0 ? randomUUID() : "", instanceId: randomUUID(), billable: i % 10 !== 0 }));
    for (let i = 0; i < instances.length; i++) if (!instances[i]!.orgId) instances[i]!.orgId = instances[i - (i % 5)]!.orgId;
    const baseHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * 365 * HOUR_MS;
    let hourCursor = 0;
    let seq = 0;
    const expectedBillable = { sum: 0n };
    const expectedAll = { sum: 0n, events: 0 };
    const makeRun = (): UsageEvent[] => {
      const out: UsageEvent[] = [];
      while (out.length < EVENTS_PER_RUN) {
        const hour = new Date(baseHour + hourCursor++ * HOUR_MS);
        for (const inst of instances) {
          for (const meter of METERS) {
            const n = 1 + (seq % 2);
            for (let k = 0; k < n && out.length < EVENTS_PER_RUN; k++) {
              const q = BigInt(1 + ((seq * 7919) % 3_600_000_000));
              out.push({ key: `bench:${inst.instanceId}:${hour.getTime() / 1000}:${meter}:${k}`, orgId: inst.orgId, instanceId: inst.instanceId, meter, hour, quantityMicro: q, billable: inst.billable });
              expectedAll.sum += q;
              expectedAll.events++;
              if (inst.billable) expectedBillable.sum += q;
              seq++;
            }
          }
        }
      }
      // Replays (same key, same fact) spread through the run: counted once.
      for (let i = 0; i < out.length; i += 50) out.splice(i + 25, 0, out[i]!);
      return out;
    };

    const perBatch = new Map<number, number[]>();
    for (let r = 0; r < RUNS; r++) {
      for (const size of BATCH_SIZES) {
        const events = makeRun();
        let added = 0;
        const t = performance.now();
        for (let i = 0; i < events.length; i += size) added += await ingestUsageEvents(db, events.slice(i, i + size));
        const seconds = (performance.now() - t) / 1000;
        const distinct = new Set(events.map((e) => e.key)).size;
        if (added !== distinct) throw new Error(`ingest counted ${added} new events of ${distinct} distinct`);
        perBatch.set(size, [...(perBatch.get(size) ?? []), events.length / seconds]);
      }
    }
    const check = await db.execute<{ events: string; events_sum: string; billable_sum: string; rollup_sum: string; totals_sum: string; rollup_mismatch: number; totals_mismatch: number }>(sql`
      select
        (select count(*) from usage_events)::text as events,
        (select coalesce(sum(quantity_micro), 0) from usage_events)::text as events_sum,
        (select coalesce(sum(quantity_micro), 0) from usage_events where billable)::text as billable_sum,
        (select coalesce(sum(quantity_micro), 0) from usage_rollups)::text as rollup_sum,
        (select coalesce(sum(total_micro), 0) from usage_hour_totals)::text as totals_sum,
        (select count(*) from (
          select org_id, instance_id, meter, hour, sum(quantity_micro) as q from usage_events group by 1, 2, 3, 4
        ) e full join usage_rollups r using (org_id, instance_id, meter, hour) where e.q is distinct from r.quantity_micro)::int as rollup_mismatch,
        (select count(*) from (
          select org_id, meter, hour, sum(quantity_micro) as q from usage_events where billable group by 1, 2, 3
        ) e full join usage_hour_totals h using (org_id, meter, hour) where e.q is distinct from h.total_micro)::int as totals_mismatch`);
    const c = check.rows[0]!;
    const ingestExact =
      Number(c.events) === expectedAll.events &&
      BigInt(c.events_sum) === expectedAll.sum &&
      BigInt(c.billable_sum) === expectedBillable.sum &&
      BigInt(c.rollup_sum) === expectedAll.sum &&
      BigInt(c.totals_sum) === expectedBillable.sum &&
      c.rollup_mismatch === 0 &&
      c.totals_mismatch === 0;
    if (!ingestExact) console.error("ingest totals differ:", c, { expectedEvents: expectedAll.events, expectedAll: expectedAll.sum, expectedBillable: expectedBillable.sum });
    const medians = BATCH_SIZES.map((size) => ({ size, rate: median(perBatch.get(size)!) }));
    for (const m of medians) console.log(`ingest batch ${m.size}: median ${Math.round(m.rate)} events/s over ${RUNS} runs of ${EVENTS_PER_RUN} (${perBatch.get(m.size)!.map((v) => Math.round(v)).join(", ")})`);
    const best = medians.reduce((a, b) => (b.rate > a.rate ? b : a));

    // ---- (b) export: EXPORT_ORGS organizations with Stripe customers, 4 meters × 150 hours each in the last 30 days.
    await syncStripeCatalog(db);
    const orgIds: string[] = [];
    for (let o = 0; o < EXPORT_ORGS; o++) {
      const [org] = await db.insert(organizations).values({ name: `Metering Bench ${o}`, slug: `metering-bench-${o}-${randomUUID().slice(0, 8)}` }).returning({ id: organizations.id });
      await ensureStripeCustomer(db, org!.id);
      orgIds.push(org!.id);
    }
    const emulatorHour = Math.floor(((await emulator.admin.now()) * 1000) / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
    const exportEvents: UsageEvent[] = [];
    for (const orgId of orgIds) {
      const instanceId = randomUUID();
      for (const meter of METERS) {
        for (let h = 0; h < EXPORT_HOURS; h++) {
          const hour = new Date(emulatorHour - h * 4 * HOUR_MS);
          exportEvents.push({ key: `bench-export:${orgId}:${meter}:${h}`, orgId, instanceId, meter, hour, quantityMicro: BigInt(1 + ((exportEvents.length * 104_729) % 9_000_000_000)) });
        }
      }
    }
    for (let i = 0; i < exportEvents.length; i += 5000) await ingestUsageEvents(db, exportEvents.slice(i, i + 5000));
    const t = performance.now();
    let sent = 0;
    for (let pass = 0; pass < 20; pass++) {
      const result = await runExportPass(db, { concurrency: 16 });
      if ("skipped" in result) throw new Error("export lease held by another process");
      sent += result.sent;
      if (result.planned === 0 && result.sent === 0 && result.failed === 0) break;
    }
    const exportSeconds = (performance.now() - t) / 1000;
    const ours = await db
      .select({ meter: usageHourTotals.meter, hour: usageHourTotals.hour, total: usageHourTotals.totalMicro, exported: usageHourTotals.exportedMicro, customer: billingAccounts.stripeCustomerId })
      .from(usageHourTotals)
      .innerJoin(billingAccounts, and(eq(billingAccounts.orgId, usageHourTotals.orgId), isNotNull(billingAccounts.stripeCustomerId)))
      .where(inArray(usageHourTotals.orgId, orgIds));
    const [pending] = await db.select({ n: sql<number>`count(*)::int` }).from(billingExports).where(sql`${billingExports.status} <> 'sent'`);
    const theirs = new Map((await emulator.admin.meterTotals()).map((r) => [`${r.customer}/${r.event_name}/${r.hour}`, r.value_decimal]));
    const exportExact =
      ours.length === exportEvents.length &&
      theirs.size === ours.length &&
      pending!.n === 0 &&
      ours.every((r) => r.exported === r.total && theirs.get(`${r.customer}/${DEFS[r.meter].eventName}/${r.hour.getTime() / 1000}`) === formatMicro(r.total));
    if (!exportExact) console.error("export totals differ:", { ours: ours.length, theirs: theirs.size, notSent: pending!.n, sent });
    console.log(`export: ${sent} meter events in ${exportSeconds.toFixed(2)} s with the limiter at ${RATE_LIMIT}/s (concurrency 16, ${orgIds.length * METERS.length} customer+meter groups)`);

    metrics.push(
      { key: "ingest_events_per_s", value: Math.round(best.rate), unit: "events/s", better: "higher", target: 50_000 },
      { key: "ingest_best_batch_size", value: best.size, unit: "events", better: "higher" },
      ...medians.map((m) => ({ key: `ingest_events_per_s_batch_${m.size}`, value: Math.round(m.rate), unit: "events/s", better: "higher" as const })),
      { key: "export_events_per_s", value: round(sent / exportSeconds, 1), unit: "events/s", better: "higher" },
      { key: "export_rate_limit_per_s", value: RATE_LIMIT, unit: "events/s", better: "higher" },
      { key: "totals_exact", value: ingestExact && exportExact ? 1 : 0, unit: "bool", better: "higher", target: 1 },
    );
    return { metrics };
  } finally {
    await emulator.stop();
    await env.cleanup();
  }
}
