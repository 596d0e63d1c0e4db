// Chaos: usage export to Stripe meter events while the exporter process is SIGKILLed 3–5 times and restarted, the
// emulator answers 10% 500s, bursts of 429 and loses some answers after accepting the event, and late events add
// corrections meanwhile. At the end Stripe's totals equal ours per customer, meter and hour, each export row was
// accepted exactly once, and nothing is left pending.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { billingAccounts, billingExports, usageEvents, usageHourTotals, meterKeys, type MeterKey } from "@/db/schema";
import { ensureStripeCustomer } from "@/server/billing/billing-accounts";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { ingestUsageEvents, type UsageEvent } from "@/server/metering/ingest-usage";
import { formatMicro, METERS } from "@/server/metering/meters";
import { getRedis, redisKey } from "@/server/redis/client";
import { signUpWithOrg } from "../helpers/callers";
import { startTestStripe, type TestStripe } from "../helpers/stripe";

const ORGS = 3;
const HOURS_PER_METER = 150;
const HOUR_MS = 3_600_000;
const METER_EVENTS = "/v1/billing/meter_events";

let stripe: TestStripe;
let exporter: ChildProcess | undefined;
let output = "";

function startExporter(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/chaos/export-worker.ts"], {
    env: { ...process.env, LOG_LEVEL: "error", STRIPE_METER_EVENTS_PER_SECOND: "100" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on("data", (d) => (output = (output + d).slice(-20_000)));
  return child;
}

const running = (c: ChildProcess | undefined): boolean => !!c && c.exitCode === null && c.signalCode === null;

async function killExporter(): Promise<boolean> {
  const child = exporter;
  if (!child || !running(child)) return false;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  // The dead process's lease would keep a successor out for its 30 s TTL; it is dead, so expire it now.
  await getRedis().del(redisKey("leases", "billing-export"));
  return true;
}

async function waitForExit(child: ChildProcess, deadline: number): Promise<number | null> {
  while (running(child)) {
    if (Date.now() > deadline) throw new Error(`exporter still running at the deadline\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return child.exitCode;
}

const randomMicro = () => BigInt(1 + Math.floor(Math.random() * 5_000_000_000));

beforeAll(async () => {
  stripe = await startTestStripe({ webhooks: false });
  await syncStripeCatalog(getDb());
}, 60_000);

afterAll(async () => {
  await killExporter().catch(() => {});
  await stripe?.stop();
});

describe("usage export survives exporter kills and Stripe faults", () => {
  it(
    "Stripe's meter totals equal ours exactly despite 3–5 SIGKILLs, 500s, 429s and lost answers",
    async () => {
      const db = getDb();
      const admin = stripe.emulator.admin;
      // Hours are placed on the emulator's clock: it checks the 35-day window against its own time.
      const emulatorNow = (await admin.now()) * 1000;
      const lastHour = Math.floor(emulatorNow / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
      const orgs: { orgId: string; instances: string[] }[] = [];
      for (let o = 0; o < ORGS; o++) {
        const { orgId } = await signUpWithOrg(`Export Chaos ${o}`);
        await ensureStripeCustomer(db, orgId);
        orgs.push({ orgId, instances: [randomUUID(), randomUUID()] });
      }

      // 3 orgs × 4 meters × 150 distinct hours within the last 30 days, 2 instances per org, 1–3 events each.
      const events: UsageEvent[] = [];
      const cells: { orgId: string; instances: string[]; meter: MeterKey; hour: Date }[] = [];
      for (const org of orgs) {
        for (const meter of meterKeys) {
          const offsets = new Set<number>();
          while (offsets.size < HOURS_PER_METER) offsets.add(Math.floor(Math.random() * 27 * 24));
          for (const k of offsets) {
            const hour = new Date(lastHour - k * HOUR_MS);
            cells.push({ ...org, meter, hour });
            for (const instanceId of org.instances) {
              const n = 1 + Math.floor(Math.random() * 3);
              for (let i = 0; i < n; i++) events.push({ key: `chaos:${instanceId}:${meter}:${hour.getTime()}:${i}`, orgId: org.orgId, instanceId, meter, hour, quantityMicro: randomMicro() });
            }
          }
        }
      }
      for (let i = 0; i < events.length; i += 2000) await ingestUsageEvents(db, events.slice(i, i + 2000));
      let lateSeq = 0;
      const ingestLate = async (count: number) => {
        const late: UsageEvent[] = [];
        for (let i = 0; i < count; i++) {
          const c = cells[Math.floor(Math.random() * cells.length)]!;
          late.push({ key: `chaos-late:${lateSeq++}`, orgId: c.orgId, instanceId: c.instances[0]!, meter: c.meter, hour: c.hour, quantityMicro: randomMicro() });
        }
        // Replays of known events ride along: they must change nothing.
        late.push(...Array.from({ length: 20 }, () => events[Math.floor(Math.random() * events.length)]!));
        const added = await ingestUsageEvents(db, late);
        expect(added).toBe(count);
        events.push(...late.slice(0, count));
      };

      await admin.addFault({ path: METER_EVENTS, method: "POST", status: 500, rate: 0.1 });
      await admin.addFault({ path: METER_EVENTS, method: "POST", status: 500, rate: 0.05, when: "after" });
      const burst429 = () => admin.addFault({ path: METER_EVENTS, method: "POST", status: 429, count: 15, retryAfterSeconds: 1 });
      await burst429();

      const t0 = Date.now();
      const progress = async (label: string) => {
        const byStatus = await db.select({ status: billingExports.status, n: sql<number>`count(*)::int` }).from(billingExports).groupBy(billingExports.status);
        console.log(`[export chaos +${Math.round((Date.now() - t0) / 1000)} s] ${label}: ${byStatus.map((b) => `${b.status}=${b.n}`).join(" ") || "nothing planned"}`);
      };

      const sentCount = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(billingExports).where(eq(billingExports.status, "sent")))[0]!.n;
      exporter = startExporter();
      const kills = 3 + Math.floor(Math.random() * 3);
      let killed = 0;
      for (let k = 0; k < kills; k++) {
        // Kill while meter events are in flight: once this process has marked some sent, at a random moment.
        const before = await sentCount();
        const readyBy = Date.now() + 30_000;
        while ((await sentCount()) === before && running(exporter) && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 50));
        output = "";
        await new Promise((r) => setTimeout(r, Math.random() * 2500));
        if (await killExporter()) killed++;
        await progress(`killed exporter (${k + 1}/${kills})`);
        // Late usage for hours that may already be exported: corrections at the next revision.
        await ingestLate(40);
        await burst429();
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
        exporter = startExporter();
      }

      const deadline = Date.now() + 240_000;
      for (;;) {
        const code = await waitForExit(exporter, deadline);
        expect(code, output.slice(-3000)).toBe(0);
        const [left] = await db
          .select({ n: sql<number>`count(*)::int` })
          .from(usageHourTotals)
          .where(sql`${usageHourTotals.totalMicro} > ${usageHourTotals.exportedMicro}`);
        const [pending] = await db.select({ n: sql<number>`count(*)::int` }).from(billingExports).where(eq(billingExports.status, "pending"));
        if (left!.n === 0 && pending!.n === 0) break;
        exporter = startExporter();
      }
      await progress("exporter finished");

      // Our totals are the sums of the distinct events.
      const expected = new Map<string, bigint>();
      for (const e of events) {
        const k = `${e.orgId}/${e.meter}/${e.hour.getTime()}`;
        expected.set(k, (expected.get(k) ?? 0n) + e.quantityMicro);
      }
      const ours = await db
        .select({ orgId: usageHourTotals.orgId, meter: usageHourTotals.meter, hour: usageHourTotals.hour, total: usageHourTotals.totalMicro, exported: usageHourTotals.exportedMicro, customer: billingAccounts.stripeCustomerId })
        .from(usageHourTotals)
        .innerJoin(billingAccounts, and(eq(billingAccounts.orgId, usageHourTotals.orgId), isNotNull(billingAccounts.stripeCustomerId)));
      expect(ours).toHaveLength(ORGS * meterKeys.length * HOURS_PER_METER);
      expect(new Map(ours.map((r) => [`${r.orgId}/${r.meter}/${r.hour.getTime()}`, r.total]))).toEqual(expected);
      const [distinct] = await db.select({ n: sql<number>`count(*)::int` }).from(usageEvents);
      expect(distinct!.n).toBe(events.length);

      // Stripe's totals equal ours exactly, per customer, meter and hour, as decimal strings.
      const theirs = await admin.meterTotals();
      const key = (customer: string, eventName: string, hourSeconds: number) => `${customer}/${eventName}/${hourSeconds}`;
      expect(new Map(theirs.map((t) => [key(t.customer, t.event_name, t.hour), t.value_decimal]))).toEqual(
        new Map(ours.map((r) => [key(r.customer!, METERS[r.meter].eventName, r.hour.getTime() / 1000), formatMicro(r.total)])),
      );

      // Each export row was accepted exactly once, and none is left pending (or expired).
      const exportRows = await db.select({ status: billingExports.status, n: sql<number>`count(*)::int` }).from(billingExports).groupBy(billingExports.status);
      const sentRows = exportRows.find((r) => r.status === "sent")?.n ?? 0;
      expect(exportRows.filter((r) => r.status !== "sent")).toEqual([]);
      expect(theirs.reduce((n, t) => n + t.events, 0)).toBe(sentRows);
      const corrections = await db.select({ n: sql<number>`count(*)::int` }).from(billingExports).where(sql`${billingExports.revision} > 1`);
      const faults = await admin.listFaults();
      console.log(
        `export chaos: ${killed} kills, ${sentRows} meter events (${corrections[0]!.n} corrections), faults fired ${faults.map((f) => `${f.status}${f.when === "after" ? " after" : ""}=${f.fired}`).join(" ")}`,
      );
    },
    300_000,
  );
});
