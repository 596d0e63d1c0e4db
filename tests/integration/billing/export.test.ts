// Usage export to Stripe meter events under faults (500s, 429 bursts with Retry-After, answers lost after
// processing): passes are repeated until nothing is pending, then Stripe's per-hour totals must equal ours exactly,
// and reconciliation must find no drift until an event is sent behind our back.
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { billingExports, billingReconciliations, outboxEmails, usageHourTotals, meterKeys, type MeterKey } from "@/db/schema";
import { ensureStripeCustomer } from "@/server/billing/billing-accounts";
import { runExportPass } from "@/server/billing/export-pass";
import { planExports, sendPendingExports } from "@/server/billing/export-usage";
import { parseMicro, reconcileUsage } from "@/server/billing/reconcile-usage";
import { getStripe } from "@/server/billing/stripe-client";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { resetEnvCache } from "@/server/env";
import { ingestUsageEvents, type UsageEvent } from "@/server/metering/ingest-usage";
import { formatMicro, METERS } from "@/server/metering/meters";
import { HOUR_MS, hourStart } from "@/server/metering/usage-math";
import { signUpWithOrg } from "../../helpers/callers";
import { startTestStripe, type TestStripe } from "../../helpers/stripe";

let stripe: TestStripe;
const orgs: { orgId: string; customer: string }[] = [];
const HOURS = 30;
const last = hourStart(Date.now()) - 2 * HOUR_MS; // the newest hour: over, plus the export delay
const first = last - (HOURS - 1) * HOUR_MS;
const METER_EVENTS = "/v1/billing/meter_events";

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
let seed = 20261125;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};

beforeAll(async () => {
  stripe = await startTestStripe({ webhooks: false });
  const db = getDb();
  await syncStripeCatalog(db);
  for (const name of ["Export A", "Export B", "Export C"]) {
    const { orgId } = await signUpWithOrg(name);
    orgs.push({ orgId, customer: await ensureStripeCustomer(db, orgId) });
  }
}, 60_000);

afterAll(async () => {
  await stripe?.stop();
});

function events(round: string, perCell: () => number): UsageEvent[] {
  const out: UsageEvent[] = [];
  for (const { orgId } of orgs) {
    const instanceId = randomUUID();
    for (let h = 0; h < HOURS; h++) {
      for (const meter of meterKeys) {
        for (let i = 0, n = perCell(); i < n; i++) {
          // Whole units, fractions down to the millionth, and tiny values.
          const q = [BigInt(rand(1_000_000)), BigInt(rand(100_000)) * 1_000_000n + BigInt(rand(1_000_000)), BigInt(1 + rand(9))][rand(3)]!;
          out.push({ key: `${round}:${orgId}:${h}:${meter}:${i}`, orgId, instanceId, meter, hour: new Date(first + h * HOUR_MS), quantityMicro: q + 1n });
        }
      }
    }
  }
  return out;
}

async function pending(): Promise<number> {
  const [row] = (await getDb().execute<{ n: number }>(sql`select count(*)::int as n from billing_exports where status = 'pending'`)).rows;
  return row!.n;
}

async function hourTotalsDue(): Promise<number> {
  const [row] = (await getDb().execute<{ n: number }>(sql`select count(*)::int as n from usage_hour_totals where total_micro > exported_micro`)).rows;
  return row!.n;
}

/** Export passes until nothing is left to plan or send (each pass gives up on a customer's meter after repeated faults). */
async function exportUntilDone(): Promise<number> {
  let passes = 0;
  for (; passes < 25; passes++) {
    const r = passes % 2 === 0 ? await runExportPass(getDb(), { maxAttempts: 3 }) : { ...(await sendPendingExports(getDb(), { maxAttempts: 3 })), planned: await planExports(getDb()) };
    expect(r).not.toHaveProperty("skipped");
    if ((await pending()) === 0 && (await hourTotalsDue()) === 0) return passes + 1;
  }
  throw new Error(`still ${await pending()} exports pending after ${passes} passes`);
}

/** Stripe's totals per customer, event name and hour, as exact decimal strings, against ours. */
async function compareWithStripe() {
  const db = getDb();
  for (const { orgId, customer } of orgs) {
    const remote = await stripe.emulator.admin.meterTotals({ customer });
    const ours = await db.select().from(usageHourTotals).where(eq(usageHourTotals.orgId, orgId));
    expect(ours).toHaveLength(HOURS * meterKeys.length);
    expect(ours.filter((t) => t.exportedMicro !== t.totalMicro)).toEqual([]);
    const want = Object.fromEntries(ours.map((t) => [`${METERS[t.meter].eventName}@${t.hour.getTime() / 1000}`, formatMicro(t.totalMicro)]));
    const got = Object.fromEntries(remote.map((r) => [`${r.event_name}@${r.hour}`, r.value_decimal]));
    expect(got).toEqual(want);
  }
}

describe("usage export under faults", () => {
  it("delivers every hour × meter × organization exactly once despite 500s, 429 bursts and lost answers", async () => {
    const db = getDb();
    const admin = stripe.emulator.admin;
    const batch = events("r1", () => 1 + rand(3));
    for (let i = 0; i < batch.length; i += 100) await ingestUsageEvents(db, batch.slice(i, i + 100));
    const e500 = await admin.addFault({ path: METER_EVENTS, method: "POST", status: 500, rate: 0.1 });
    const e429 = await admin.addFault({ path: METER_EVENTS, method: "POST", status: 429, count: 12, retryAfterSeconds: 1 });
    const lost = await admin.addFault({ path: METER_EVENTS, method: "POST", status: 500, when: "after", rate: 0.05, count: 10 });
    try {
      await exportUntilDone();
    } finally {
      const fired = Object.fromEntries((await admin.listFaults()).map((f) => [f.id, f.fired]));
      await admin.clearFaults();
      // The faults really happened.
      expect(fired[e500.id] ?? 0).toBeGreaterThan(0);
      expect(fired[e429.id] ?? 12).toBeGreaterThan(0);
      expect(fired[lost.id] ?? 10).toBeGreaterThan(0);
    }
    await compareWithStripe();
    const exports = await db.select().from(billingExports).where(inArray(billingExports.orgId, orgs.map((o) => o.orgId)));
    expect(exports).toHaveLength(orgs.length * HOURS * meterKeys.length);
    expect(exports.every((e) => e.status === "sent" && e.revision === 1)).toBe(true);
    expect(exports.some((e) => e.attempts > 0)).toBe(true);
    // Stripe holds one event per export: nothing was sent twice.
    const state = await admin.state();
    expect(state.meterEvents).toBe(exports.length);
  }, 120_000);

  it("sends late usage for exported hours as corrections at the next revision, under faults", async () => {
    const db = getDb();
    const admin = stripe.emulator.admin;
    const late = events("r2", () => (rand(4) === 0 ? 1 : 0));
    expect(late.length).toBeGreaterThan(0);
    await ingestUsageEvents(db, late);
    await ingestUsageEvents(db, late.slice(0, 10)); // replays change nothing
    await admin.addFault({ path: METER_EVENTS, method: "POST", status: 500, rate: 0.1 });
    await admin.addFault({ path: METER_EVENTS, method: "POST", status: 429, count: 5, retryAfterSeconds: 1 });
    try {
      await exportUntilDone();
    } finally {
      await admin.clearFaults();
    }
    await compareWithStripe();
    const corrections = await db.select().from(billingExports).where(eq(billingExports.revision, 2));
    const cells = new Set(late.map((e) => `${e.orgId}/${e.meter}/${e.hour.getTime()}`));
    expect(corrections).toHaveLength(cells.size);
    for (const c of corrections) {
      const delta = late.filter((e) => e.orgId === c.orgId && e.meter === c.meter && e.hour.getTime() === c.hour.getTime()).reduce((s, e) => s + e.quantityMicro, 0n);
      expect(c.valueMicro).toBe(delta);
      expect(c.identifier.endsWith("-r2")).toBe(true);
    }
  }, 120_000);

  it("reconciles with no drift, then reports the drift of an event sent behind its back", async () => {
    const db = getDb();
    const from = new Date(first);
    const to = new Date(last + HOUR_MS);
    const clean = await reconcileUsage(db, from, to);
    expect(clean.checked).toBe(orgs.length * meterKeys.length);
    expect(clean.drifts).toEqual([]);

    process.env.PLATFORM_ADMIN_EMAILS = "billing-ops@example.com";
    resetEnvCache();
    try {
      const [a] = orgs;
      await getStripe().billing.meterEvents.create({ event_name: METERS.storage_gib_hours.eventName, timestamp: Math.floor((first + 5 * HOUR_MS) / 1000) + 17, payload: { stripe_customer_id: a!.customer, value: "0.000042" } });
      const drifted = await reconcileUsage(db, from, to);
      expect(drifted.drifts).toHaveLength(1);
      const d = drifted.drifts[0]!;
      expect(d).toMatchObject({ orgId: a!.orgId, meter: "storage_gib_hours" satisfies MeterKey });
      expect(d.stripeMicro - d.localMicro).toBe(42n);
      const [ours] = (await db.execute<{ s: string }>(sql`select sum(total_micro)::text as s from usage_hour_totals where org_id = ${a!.orgId} and meter = 'storage_gib_hours'`)).rows;
      expect(d.localMicro).toBe(BigInt(ours!.s));
      const recorded = await db.select().from(billingReconciliations).where(and(eq(billingReconciliations.orgId, a!.orgId), eq(billingReconciliations.meter, "storage_gib_hours")));
      expect(recorded.map((r) => r.driftMicro).sort()).toEqual([0n, 42n]);
      const alert = await db.select().from(outboxEmails).where(eq(outboxEmails.to, "billing-ops@example.com"));
      expect(alert).toHaveLength(1);
      expect(alert[0]!.subject).toMatch(/drift in 1 meter/);
      expect(alert[0]!.text).toContain(`${a!.orgId} storage_gib_hours`);
      // Outside the period reconciled, the extra event does not count.
      expect((await reconcileUsage(db, new Date(first + 6 * HOUR_MS), to)).drifts).toEqual([]);
    } finally {
      delete process.env.PLATFORM_ADMIN_EMAILS;
      resetEnvCache();
    }
  });

  it("parses Stripe decimals exactly", () => {
    expect(parseMicro("12.5")).toBe(12_500_000n);
    expect(parseMicro("0.000001")).toBe(1n);
    expect(parseMicro(3)).toBe(3_000_000n);
    expect(parseMicro("-0.25")).toBe(-250_000n);
    expect(parseMicro(formatMicro(123_456_789_012n))).toBe(123_456_789_012n);
  });
});
