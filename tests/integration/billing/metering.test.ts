// Usage metering against real PostgreSQL: segments follow observed state (setObserved), segments become hourly
// usage events (final pieces only, idempotent), concurrent ingestion, corrections of exported hours, free plans
// kept out of Stripe, and what the usage page returns.
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import {
  billingExports,
  instances,
  plans,
  services,
  serviceVersions,
  usageEvents,
  usageHourTotals,
  usageRollups,
  usageSegments,
  users,
  type MeterKey,
  type ObservedState,
} from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { ensureStripeCustomer } from "@/server/billing/billing-accounts";
import { exportIdentifier, planExports, sendPendingExports } from "@/server/billing/export-usage";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { setObserved } from "@/server/instances/observe";
import { ingestUsageEvents, type UsageEvent } from "@/server/metering/ingest-usage";
import { meterSegments } from "@/server/metering/meter-segments";
import { formatMicro } from "@/server/metering/meters";
import { HOUR_MS, hourStart } from "@/server/metering/usage-math";
import { recordUsageState } from "@/server/metering/usage-segments";
import { signUpWithOrg, userCaller, type Caller } from "../../helpers/callers";
import { startTestStripe, type TestStripe } from "../../helpers/stripe";

type PlanRow = typeof plans.$inferSelect;
const plan: Record<string, PlanRow> = {};
let stripe: TestStripe;

beforeAll(async () => {
  stripe = await startTestStripe({ webhooks: false });
  const db = getDb();
  await seedDemo(db);
  for (const p of await db.select({ plan: plans, service: services.slug }).from(plans).innerJoin(services, eq(services.id, plans.serviceId))) {
    plan[`${p.service}/${p.plan.slug}`] = p.plan;
  }
  await syncStripeCatalog(db);
}, 60_000);

afterAll(async () => {
  await stripe?.stop();
});

async function makeInstance(orgId: string, planKey: string, name: string): Promise<string> {
  const db = getDb();
  const p = plan[planKey]!;
  const [v] = await db.select().from(serviceVersions).where(and(eq(serviceVersions.serviceId, p.serviceId), eq(serviceVersions.isDefault, true)));
  const [row] = await db
    .insert(instances)
    .values({ orgId, serviceId: p.serviceId, planId: p.id, versionId: v!.id, name, namespace: `fp-${name}-${randomUUID().slice(0, 8)}`, desiredReplicas: p.replicas, createdBy: "test" })
    .returning({ id: instances.id });
  return row!.id;
}

/** What setObserved does, at a chosen time (setObserved itself uses the clock). */
async function observeAt(instanceId: string, changes: { observedState?: ObservedState; observedReplicas?: number; planId?: string; deletedAt?: Date }, at: Date) {
  await getDb().transaction(async (tx) => {
    await tx.update(instances).set(changes).where(eq(instances.id, instanceId));
    await recordUsageState(tx, instanceId, at);
  });
}

const segmentsOf = (instanceId: string) => getDb().select().from(usageSegments).where(eq(usageSegments.instanceId, instanceId)).orderBy(asc(usageSegments.startedAt), asc(usageSegments.endedAt));

async function eventsOf(instanceId: string) {
  const rows = await getDb().select().from(usageEvents).where(eq(usageEvents.instanceId, instanceId)).orderBy(asc(usageEvents.hour), asc(usageEvents.meter));
  return rows;
}

/** { "<hour offset from base>:<meter>": micro } */
function table(rows: { hour: Date; meter: MeterKey; q: bigint }[], base: number): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const r of rows) {
    const k = `${(r.hour.getTime() - base) / HOUR_MS}:${r.meter}`;
    out[k] = (out[k] ?? 0n) + r.q;
  }
  return out;
}

describe("usage segments from observed state", () => {
  it("opens, splits and closes segments as setObserved changes what is billed", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Segments Co");
    const id = await makeInstance(orgId, "postgres/business", "db-one");
    const business = plan["postgres/business"]!;
    const pro = plan["hello-web/pro"]!;

    await setObserved(db, id, { observedState: "provisioning" });
    expect(await segmentsOf(id)).toHaveLength(0); // nothing exists yet, nothing accrues

    await setObserved(db, id, { observedState: "running", observedReplicas: 1, endpointHost: "127.0.0.1", endpointPort: 30000 });
    let segs = await segmentsOf(id);
    expect(segs).toHaveLength(1);
    expect(segs[0]).toMatchObject({ orgId, planId: business.id, replicas: 1, cpuMillis: 1000, memoryMb: 4096, storageGb: 20, billable: true, endedAt: null });
    expect(segs[0]!.meteredUntil).toEqual(segs[0]!.startedAt);

    // Changes that do not change what is billed leave the segment open.
    await setObserved(db, id, { statusMessage: "all good", endpointPort: 30001 });
    await setObserved(db, id, { observedState: "updating" });
    expect(await segmentsOf(id)).toHaveLength(1);

    await setObserved(db, id, { observedState: "running", observedReplicas: 3 });
    await setObserved(db, id, { observedState: "stopped", observedReplicas: 0 });
    // Plan change (the workflow writes the plan, then observes).
    await db.update(instances).set({ planId: pro.id }).where(eq(instances.id, id));
    await setObserved(db, id, { observedState: "running", observedReplicas: 3 });
    await setObserved(db, id, { observedState: "failed", observedReplicas: 0 });
    segs = await segmentsOf(id);
    expect(segs.map((s) => [s.planId === pro.id ? "pro" : "business", s.replicas, s.storageGb, s.endedAt === null])).toEqual([
      ["business", 1, 20, false],
      ["business", 3, 20, false],
      ["business", 0, 20, false], // stopped: storage only
      ["pro", 3, 0, false],
    ]);
    // Contiguous: each segment ends exactly where the next starts; failed accrues nothing, so no segment is open.
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.startedAt).toEqual(segs[i - 1]!.endedAt);
    expect(segs.every((s) => s.endedAt! >= s.startedAt)).toBe(true);

    await setObserved(db, id, { observedState: "running", observedReplicas: 2 });
    await setObserved(db, id, { observedState: "deleted", observedReplicas: 0, deletedAt: new Date(), desiredState: "deleted" });
    segs = await segmentsOf(id);
    expect(segs).toHaveLength(5);
    expect(segs.filter((s) => s.endedAt === null)).toHaveLength(0);
  });

  it("keeps one open segment per instance under concurrent observations", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Race Co");
    const id = await makeInstance(orgId, "hello-web/standard", "racer");
    await Promise.all([1, 2, 3, 2, 1, 3, 2].map((r) => setObserved(db, id, { observedState: "running", observedReplicas: r })));
    const segs = await segmentsOf(id);
    expect(segs.filter((s) => s.endedAt === null)).toHaveLength(1);
    const [row] = await db.select().from(instances).where(eq(instances.id, id));
    expect(segs.find((s) => s.endedAt === null)!.replicas).toBe(row!.observedReplicas);
  });
});

describe("meterSegments", () => {
  const H0 = hourStart(Date.now()) - 10 * HOUR_MS; // well in the past: every `now` below is before the real clock
  const T = H0 + 20 * 60_000 + 123; // started running
  const C = H0 + 3 * HOUR_MS + 30 * 60_000 + 130; // stopped
  let id = "";
  let orgId = "";

  it("meters an open segment only up to the last full hour, once", async () => {
    const db = getDb();
    ({ orgId } = await signUpWithOrg("Meter Co"));
    id = await makeInstance(orgId, "postgres/business", "metered");
    await observeAt(id, { observedState: "running", observedReplicas: 1 }, new Date(T));
    const [seg] = await segmentsOf(id);
    expect(seg!.startedAt.getTime()).toBe(T);

    await meterSegments(db, new Date(T + 30 * 60_000)); // still in the first hour: nothing is final yet
    expect(await eventsOf(id)).toHaveLength(0);

    await meterSegments(db, new Date(H0 + 2 * HOUR_MS + 5 * 60_000));
    const first = await eventsOf(id);
    const ms0 = H0 + HOUR_MS - T; // 2 399 877 ms in the first hour
    expect(ms0).toBe(2_399_877);
    expect(table(first.map((e) => ({ hour: e.hour, meter: e.meter, q: e.quantityMicro })), H0)).toEqual({
      "0:vcpu_seconds": 2_399_877_000n, // 1 vCPU × 2 399.877 s
      "0:memory_gib_seconds": 9_599_508_000n, // 4 GiB × 2 399.877 s
      "0:storage_gib_hours": 13_332_650n, // 20 GiB × 2 399 877 / 3 600 000 h
      "1:vcpu_seconds": 3_600_000_000n,
      "1:memory_gib_seconds": 14_400_000_000n,
      "1:storage_gib_hours": 20_000_000n,
    });
    for (const e of first) expect(e.key).toBe(`seg:${seg!.id}:${e.hour.getTime() / 1000}:${e.meter}`);
    const [after] = await segmentsOf(id);
    expect(after!.meteredUntil.getTime()).toBe(H0 + 2 * HOUR_MS);

    // Running again (same or a later time in the same hour) adds nothing.
    expect(await meterSegments(db, new Date(H0 + 2 * HOUR_MS + 5 * 60_000))).toEqual({ segments: 0, events: 0 });
    expect(await meterSegments(db, new Date(H0 + 2 * HOUR_MS + 59 * 60_000))).toEqual({ segments: 0, events: 0 });
    expect(await eventsOf(id)).toHaveLength(6);
  });

  it("emits the rest when the segment closes, and nothing twice", async () => {
    const db = getDb();
    await observeAt(id, { observedState: "stopped", observedReplicas: 0 }, new Date(C));
    const segs = await segmentsOf(id);
    expect(segs).toHaveLength(2);
    expect(segs[0]!.endedAt!.getTime()).toBe(C);
    expect(segs[1]).toMatchObject({ replicas: 0, storageGb: 20, endedAt: null });

    // Concurrent passes: rows are claimed with SKIP LOCKED and keys are deterministic.
    await Promise.all([meterSegments(db, new Date(C)), meterSegments(db, new Date(C)), meterSegments(db, new Date(C))]);
    expect(await meterSegments(db, new Date(C))).toEqual({ segments: 0, events: 0 });
    const events = await eventsOf(id);
    const t = table(events.map((e) => ({ hour: e.hour, meter: e.meter, q: e.quantityMicro })), H0);
    expect(t["2:vcpu_seconds"]).toBe(3_600_000_000n);
    expect(t["3:vcpu_seconds"]).toBe(1_800_130_000n);
    expect(t["3:memory_gib_seconds"]).toBe(7_200_520_000n);
    expect(t["3:storage_gib_hours"]).toBe(10_000_722n); // 20 × 1 800 130 / 3 600 000 = 10.0007222… GiB-h
    // Compute is exact over the whole segment, whatever the split.
    const vcpu = events.filter((e) => e.meter === "vcpu_seconds" && e.key.startsWith(`seg:${segs[0]!.id}:`)).reduce((s, e) => s + e.quantityMicro, 0n);
    expect(vcpu).toBe(BigInt(C - T) * 1000n);
    expect(segs[0]!.meteredUntil.getTime()).toBeLessThan(C);
    const [closed] = await db.select().from(usageSegments).where(eq(usageSegments.id, segs[0]!.id));
    expect(closed!.meteredUntil.getTime()).toBe(C);
    // The storage-only segment accrues storage only, once its hour is over.
    await meterSegments(db, new Date(C + HOUR_MS));
    const later = (await eventsOf(id)).filter((e) => e.key.startsWith(`seg:${segs[1]!.id}:`));
    expect(later.map((e) => [(e.hour.getTime() - H0) / HOUR_MS, e.meter, e.quantityMicro])).toEqual([[3, "storage_gib_hours", 9_999_278n]]); // 20 × 1 799 870 / 3 600 000 = 9.9992777… → 9.999278
  });

  it("rolls events up per instance and per organization exactly", async () => {
    const db = getDb();
    const events = await eventsOf(id);
    const rollups = await db.select().from(usageRollups).where(eq(usageRollups.instanceId, id));
    const totals = await db.select().from(usageHourTotals).where(eq(usageHourTotals.orgId, orgId));
    const fromEvents = table(events.map((e) => ({ hour: e.hour, meter: e.meter, q: e.quantityMicro })), H0);
    expect(table(rollups.map((r) => ({ hour: r.hour, meter: r.meter, q: r.quantityMicro })), H0)).toEqual(fromEvents);
    expect(table(totals.map((r) => ({ hour: r.hour, meter: r.meter, q: r.totalMicro })), H0)).toEqual(fromEvents);
  });
});

describe("clock skew between processes", () => {
  it("never bills a span twice when a change is observed before the time already metered", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Skew Co");
    const id = await makeInstance(orgId, "postgres/business", "skewed");
    const H = hourStart(Date.now()) - 20 * HOUR_MS;
    await observeAt(id, { observedState: "running", observedReplicas: 1 }, new Date(H + 10 * 60_000));
    // The metering worker's clock is past H+2h; the process observing the stop still says H+2h − 3 s.
    await meterSegments(db, new Date(H + 2 * HOUR_MS + 1_000));
    await observeAt(id, { observedState: "stopped", observedReplicas: 0 }, new Date(H + 2 * HOUR_MS - 3_000));
    await meterSegments(db, new Date(H + 3 * HOUR_MS + 1_000));
    const segs = await segmentsOf(id);
    expect(segs).toHaveLength(2);
    expect(segs[0]!.endedAt!.getTime()).toBeGreaterThanOrEqual(segs[0]!.meteredUntil.getTime());
    expect(segs[1]!.startedAt).toEqual(segs[0]!.endedAt);
    const rollups = await db.select().from(usageRollups).where(eq(usageRollups.instanceId, id));
    const storage = table(rollups.filter((r) => r.meter === "storage_gib_hours").map((r) => ({ hour: r.hour, meter: r.meter, q: r.quantityMicro })), H);
    // 20 GiB for 50 min, then for whole hours: never more than 20 GiB-hours in an hour.
    expect(storage).toEqual({ "0:storage_gib_hours": 16_666_667n, "1:storage_gib_hours": 20_000_000n, "2:storage_gib_hours": 20_000_000n });
  });
});

describe("ingestUsageEvents", () => {
  it("counts each key once under concurrent overlapping batches", async () => {
    const db = getDb();
    const orgId = randomUUID();
    const paid = randomUUID();
    const free = randomUUID();
    const base = hourStart(Date.now()) - 48 * HOUR_MS;
    const all: UsageEvent[] = [];
    for (let i = 0; i < 160; i++) {
      const billable = i % 4 !== 0;
      all.push({
        key: `test:${orgId}:${i}`,
        orgId,
        instanceId: billable ? paid : free,
        meter: (["vcpu_seconds", "memory_gib_seconds", "requests"] as const)[i % 3]!,
        hour: new Date(base + (i % 5) * HOUR_MS),
        quantityMicro: BigInt(1_000_003 * (i + 1)) + BigInt(i % 7),
        billable,
      });
    }
    const batches = [all.slice(0, 100), all.slice(60, 160), all.slice(30, 130).reverse(), [...all].reverse(), all.slice(0, 20).concat(all.slice(0, 20))];
    const added = await Promise.all(batches.map((b) => ingestUsageEvents(db, b)));
    expect(added.reduce((a, b) => a + b, 0)).toBe(160);
    expect(await Promise.all(batches.map((b) => ingestUsageEvents(db, b)))).toEqual([0, 0, 0, 0, 0]);

    const want = (filter: (e: UsageEvent) => boolean, withInstance: boolean) => {
      const out: Record<string, bigint> = {};
      for (const e of all.filter(filter)) {
        const k = `${withInstance ? e.instanceId + "/" : ""}${e.meter}/${e.hour.getTime()}`;
        out[k] = (out[k] ?? 0n) + e.quantityMicro;
      }
      return out;
    };
    const rollups = await db.select().from(usageRollups).where(eq(usageRollups.orgId, orgId));
    expect(Object.fromEntries(rollups.map((r) => [`${r.instanceId}/${r.meter}/${r.hour.getTime()}`, r.quantityMicro]))).toEqual(want(() => true, true));
    const totals = await db.select().from(usageHourTotals).where(eq(usageHourTotals.orgId, orgId));
    expect(Object.fromEntries(totals.map((r) => [`${r.meter}/${r.hour.getTime()}`, r.totalMicro]))).toEqual(want((e) => e.billable !== false, false));
    const [{ n }] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from usage_events where org_id = ${orgId}`)).rows as [{ n: number }];
    expect(n).toBe(160);
  });
});

describe("export corrections", () => {
  it("sends a late event for an exported hour as a correction at revision 2 with the delta only", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Late Co");
    const customer = await ensureStripeCustomer(db, orgId);
    const instanceId = randomUUID();
    const hour = new Date(hourStart(Date.now()) - 3 * HOUR_MS);
    const ev = (key: string, q: bigint, h = hour): UsageEvent => ({ key: `late:${orgId}:${key}`, orgId, instanceId, meter: "vcpu_seconds", hour: h, quantityMicro: q });
    await ingestUsageEvents(db, [ev("a", 1_500_000n), ev("now", 9n, new Date(hourStart(Date.now())))]);
    expect(await planExports(db)).toBe(1); // the current hour is not over: not planned
    expect(await sendPendingExports(db)).toEqual({ sent: 1, failed: 0 });

    expect(await ingestUsageEvents(db, [ev("late", 250_001n)])).toBe(1);
    expect(await planExports(db)).toBe(1);
    expect(await ingestUsageEvents(db, [ev("late", 250_001n)])).toBe(0);
    expect(await planExports(db)).toBe(0);
    const exports = await db.select().from(billingExports).where(eq(billingExports.orgId, orgId)).orderBy(asc(billingExports.revision));
    expect(exports.map((e) => [e.identifier, e.revision, e.valueMicro, e.status])).toEqual([
      [exportIdentifier(orgId, "vcpu_seconds", hour, 1), 1, 1_500_000n, "sent"],
      [`fp-${orgId}-vcpu_seconds-${hour.getTime() / 1000}-r2`, 2, 250_001n, "pending"],
    ]);
    expect(await sendPendingExports(db)).toEqual({ sent: 1, failed: 0 });
    const [total] = await db.select().from(usageHourTotals).where(and(eq(usageHourTotals.orgId, orgId), eq(usageHourTotals.hour, hour)));
    expect(total).toMatchObject({ totalMicro: 1_750_001n, exportedMicro: 1_750_001n, revision: 2 });
    const remote = await stripe.emulator.admin.meterTotals({ customer });
    expect(remote.map((r) => [r.hour, r.event_name, r.value_decimal, r.events])).toEqual([[hour.getTime() / 1000, "fleetplane_vcpu_seconds", formatMicro(1_750_001n), 2]]);
  });
});

describe("free plans", () => {
  it("shows free usage in rollups but never in the totals for Stripe or in exports", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Free Co");
    await ensureStripeCustomer(db, orgId); // even with a Stripe customer
    const id = await makeInstance(orgId, "postgres/hobby", "hobby-db");
    const start = hourStart(Date.now()) - 6 * HOUR_MS + 1234;
    await observeAt(id, { observedState: "running", observedReplicas: 1 }, new Date(start));
    await observeAt(id, { observedState: "stopped", observedReplicas: 0 }, new Date(start + 2 * HOUR_MS));
    await observeAt(id, { observedState: "deleted", observedReplicas: 0, deletedAt: new Date() }, new Date(start + 3 * HOUR_MS));
    const segs = await segmentsOf(id);
    expect(segs.map((s) => [s.billable, s.replicas, s.storageGb])).toEqual([
      [false, 1, 1],
      [false, 0, 1],
    ]);
    await meterSegments(db, new Date());
    const events = await eventsOf(id);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.billable === false)).toBe(true);
    const rollups = await db.select().from(usageRollups).where(eq(usageRollups.instanceId, id));
    const sum = (m: MeterKey) => rollups.filter((r) => r.meter === m).reduce((s, r) => s + r.quantityMicro, 0n);
    expect(sum("vcpu_seconds")).toBe(2n * 3_600n * 250n * 1000n); // 0.25 vCPU × 7200 s
    expect(sum("storage_gib_hours")).toBe(3_000_000n); // 1 GiB × 3 h
    expect(await db.select().from(usageHourTotals).where(eq(usageHourTotals.orgId, orgId))).toEqual([]);
    await planExports(db);
    expect(await db.select().from(billingExports).where(eq(billingExports.orgId, orgId))).toEqual([]);
  });
});

describe("usage page", () => {
  let owner: Caller;
  let orgId = "";
  let paidId = "";
  let freeId = "";
  const day0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 3 * 86_400_000;

  beforeAll(async () => {
    const db = getDb();
    const c = await signUpWithOrg("Usage Page Co");
    owner = c.owner.caller;
    orgId = c.orgId;
    paidId = await makeInstance(orgId, "hello-web/standard", "paid-web");
    freeId = await makeInstance(orgId, "hello-web/free", "free-web");
    const ev = (key: string, instanceId: string, meter: MeterKey, hourMs: number, q: bigint, billable = true): UsageEvent => ({ key: `page:${orgId}:${key}`, orgId, instanceId, meter, hour: new Date(hourMs), quantityMicro: q, billable });
    await ingestUsageEvents(db, [
      ev("1", paidId, "vcpu_seconds", day0 + 5 * HOUR_MS, 3_600_000_000n), // 3600 vCPU-s = 4 ¢
      ev("2", paidId, "memory_gib_seconds", day0 + 5 * HOUR_MS, 7_200_000_000n), // 7200 GiB-s = 1 ¢
      ev("3", paidId, "vcpu_seconds", day0 + 47 * HOUR_MS, 1_800_000_000n), // next day, last hour: 2 ¢
      ev("4", freeId, "vcpu_seconds", day0 + 6 * HOUR_MS, 360_000_000n, false),
      ev("5", paidId, "vcpu_seconds", day0 + 48 * HOUR_MS, 999_000_000n), // outside the period asked for
    ]);
  });

  it("returns usage per day and per instance with the cost, free plans at no cost", async () => {
    const usage = await owner.usage.get({ orgId, from: new Date(day0), to: new Date(day0 + 2 * 86_400_000) });
    expect(usage.days.map((d) => [d.day, d.usage.vcpu_seconds, d.usage.memory_gib_seconds, d.costCents])).toEqual([
      [new Date(day0).toISOString().slice(0, 10), "3960", "7200", 5], // free usage shown, not priced
      [new Date(day0 + 86_400_000).toISOString().slice(0, 10), "1800", "0", 2],
    ]);
    expect(usage.instances.map((i) => [i.name, i.free, i.plan, i.usage.vcpu_seconds, i.costCents])).toEqual([
      ["paid-web", false, "Standard", "5400", 7],
      ["free-web", true, "Free", "360", 0],
    ]);
    expect(usage.totals).toMatchObject({ vcpu_seconds: "5400", memory_gib_seconds: "7200", storage_gib_hours: "0", requests: "0" });
    expect(usage.usageCostCents).toBe(7);
    expect(usage.billingStatus).toBe("none");
    expect(usage.meters.map((m) => m.key)).toEqual(["vcpu_seconds", "memory_gib_seconds", "storage_gib_hours", "requests"]);
  });

  it("shows platform staff usage per organization (billable only) and per plan", async () => {
    const db = getDb();
    const staff = await signUpWithOrg("Staff");
    await db.update(users).set({ platformRole: "platform_support" }).where(eq(users.id, staff.owner.userId));
    const platform = await userCaller(staff.owner.userId);
    const report = await platform.usage.platform({ from: new Date(day0), to: new Date(day0 + 2 * 86_400_000) });
    const mine = report.organizations.find((o) => o.orgId === orgId)!;
    expect(mine.usage.vcpu_seconds).toBe("5400");
    expect(mine.usageCostCents).toBe(7);
    const free = report.plans.find((p) => p.planId === plan["hello-web/free"]!.id)!;
    expect(free).toMatchObject({ free: true, usageCostCents: 0 });
    expect(free.usage.vcpu_seconds).toBe("360");
    const rows = await db.select().from(usageRollups).where(inArray(usageRollups.instanceId, [paidId, freeId]));
    expect(rows).toHaveLength(5);
    await expect(owner.usage.platform({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("refuses a period that ends before it starts", async () => {
    await expect(owner.usage.get({ orgId, from: new Date(day0 + 1000), to: new Date(day0) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

