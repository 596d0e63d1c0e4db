// Exports usage to Stripe exactly once: each hour's total (per organization and meter) becomes a meter event with
// a deterministic identifier; a later increase of an exported hour becomes a correction at the next revision.
// Planning (what to send) and sending are separate, so a crash between them loses nothing and sends nothing twice.
import { and, asc, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingAccounts, billingExports, billingMeters, usageHourTotals, type MeterKey } from "@/db/schema";
import { getEnv } from "@/server/env";
import { log } from "@/server/log";
import { HOUR_MS } from "@/server/metering/usage-math";
import { formatMicro, METERS } from "@/server/metering/meters";
import { RateLimiter } from "./rate-limiter";
import { getStripe } from "./stripe-client";

/** Stripe accepts meter events up to 35 days old. */
const MAX_AGE_MS = 35 * 86_400_000;

export const exportIdentifier = (orgId: string, meter: MeterKey, hour: Date, revision: number) => `fp-${orgId}-${meter}-${hour.getTime() / 1000}-r${revision}`;

/**
 * Turns hours whose total grew past what was exported into export rows (one revision each), for organizations
 * with a Stripe customer, once the hour is over plus BILLING_EXPORT_DELAY_SECONDS. Returns how many were planned.
 */
export async function planExports(db: Db, now: Date = new Date(), batch = 5000): Promise<number> {
  const closedBefore = new Date(now.getTime() - HOUR_MS - getEnv().BILLING_EXPORT_DELAY_SECONDS * 1000);
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ orgId: usageHourTotals.orgId, meter: usageHourTotals.meter, hour: usageHourTotals.hour, total: usageHourTotals.totalMicro, exported: usageHourTotals.exportedMicro, revision: usageHourTotals.revision })
      .from(usageHourTotals)
      .innerJoin(billingAccounts, and(eq(billingAccounts.orgId, usageHourTotals.orgId), isNotNull(billingAccounts.stripeCustomerId)))
      .where(and(sql`${usageHourTotals.totalMicro} > ${usageHourTotals.exportedMicro}`, lte(usageHourTotals.hour, closedBefore)))
      .orderBy(asc(usageHourTotals.hour))
      .limit(batch)
      .for("update", { of: usageHourTotals, skipLocked: true });
    if (due.length === 0) return 0;
    const rows = due.map((d) => {
      const revision = d.revision + 1;
      const tooOld = now.getTime() - d.hour.getTime() > MAX_AGE_MS;
      return {
        identifier: exportIdentifier(d.orgId, d.meter, d.hour, revision),
        orgId: d.orgId,
        meter: d.meter,
        hour: d.hour,
        revision,
        valueMicro: d.total - d.exported,
        status: tooOld ? ("expired" as const) : ("pending" as const),
        lastError: tooOld ? "older than Stripe's 35-day window for meter events" : null,
      };
    });
    await tx.insert(billingExports).values(rows).onConflictDoNothing();
    await tx.execute(sql`
      update usage_hour_totals h set exported_micro = h.exported_micro + d.value, revision = d.revision, updated_at = now()
      from unnest(
        ${sql.param(rows.map((r) => r.orgId))}::uuid[], ${sql.param(rows.map((r) => r.meter))}::text[],
        ${sql.param(rows.map((r) => r.hour.toISOString()))}::timestamptz[], ${sql.param(rows.map((r) => r.valueMicro.toString()))}::bigint[],
        ${sql.param(rows.map((r) => r.revision))}::int[]
      ) as d(org_id, meter, hour, value, revision)
      where h.org_id = d.org_id and h.meter = d.meter and h.hour = d.hour`);
    const expired = rows.filter((r) => r.status === "expired");
    if (expired.length) log.error("billing", "usage older than 35 days cannot be sent to Stripe", { count: expired.length });
    return rows.length;
  });
}

type PendingExport = { identifier: string; orgId: string; meter: MeterKey; hour: Date; valueMicro: bigint; customer: string; eventName: string };

function isDuplicateIdentifier(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeInvalidRequestError && /already exists with identifier/i.test(err.message);
}

function isRetryable(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return true; // network trouble, timeouts
  const status = err.statusCode ?? 0;
  return status === 429 || status >= 500 || err.type === "StripeConnectionError" || err.type === "StripeAPIError";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type SendOptions = { limiter?: RateLimiter; concurrency?: number; batch?: number; maxAttempts?: number; signal?: AbortSignal };

let sharedLimiter: RateLimiter | undefined;

/**
 * Sends pending exports: one call in flight per customer and meter (hours in order), groups in parallel up to
 * `concurrency`, every call through the rate limiter. 429 and 5xx back off exponentially with jitter; a
 * duplicate-identifier answer means Stripe already has it, so it counts as delivered.
 */
export async function sendPendingExports(db: Db, options: SendOptions = {}): Promise<{ sent: number; failed: number }> {
  const limiter = options.limiter ?? (sharedLimiter ??= new RateLimiter(getEnv().STRIPE_METER_EVENTS_PER_SECOND));
  const rows = await db
    .select({
      identifier: billingExports.identifier,
      orgId: billingExports.orgId,
      meter: billingExports.meter,
      hour: billingExports.hour,
      valueMicro: billingExports.valueMicro,
      customer: billingAccounts.stripeCustomerId,
    })
    .from(billingExports)
    .innerJoin(billingAccounts, eq(billingAccounts.orgId, billingExports.orgId))
    .where(eq(billingExports.status, "pending"))
    .orderBy(asc(billingExports.hour), asc(billingExports.identifier))
    .limit(options.batch ?? 10_000);
  const groups = new Map<string, PendingExport[]>();
  for (const r of rows) {
    if (!r.customer) continue;
    const key = `${r.orgId}/${r.meter}`;
    const list = groups.get(key) ?? [];
    list.push({ ...r, customer: r.customer, eventName: METERS[r.meter].eventName });
    groups.set(key, list);
  }
  let sent = 0;
  let failed = 0;
  const queue = [...groups.values()];
  const maxAttempts = options.maxAttempts ?? 8;
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const e of group) {
        if (options.signal?.aborted) return;
        const outcome = await sendOne(db, e, limiter, maxAttempts);
        if (outcome === "sent") sent++;
        else if (outcome === "failed") {
          failed++;
          break; // keep this customer's hours in order: the rest waits for the next pass
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, worker));
  return { sent, failed };
}

function isTooOld(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeInvalidRequestError && /timestamp cannot be more than 35 days in past/i.test(err.message);
}

/** A row planned inside Stripe's 35-day window that left it before being sent: it can never be sent, so it must not block its group. */
async function markExpired(db: Db, e: PendingExport): Promise<"expired"> {
  await db.update(billingExports).set({ status: "expired", lastError: "older than Stripe's 35-day window for meter events" }).where(and(eq(billingExports.identifier, e.identifier), eq(billingExports.status, "pending")));
  log.error("billing", "usage older than 35 days cannot be sent to Stripe", { identifier: e.identifier });
  return "expired";
}

async function sendOne(db: Db, e: PendingExport, limiter: RateLimiter, maxAttempts: number): Promise<"sent" | "expired" | "failed"> {
  for (let attempt = 1; ; attempt++) {
    if (Date.now() - e.hour.getTime() > MAX_AGE_MS) return markExpired(db, e);
    await limiter.take();
    try {
      await getStripe().billing.meterEvents.create({
        event_name: e.eventName,
        identifier: e.identifier,
        timestamp: Math.floor(e.hour.getTime() / 1000),
        payload: { stripe_customer_id: e.customer, value: formatMicro(e.valueMicro) },
      });
      await markSent(db, e.identifier);
      return "sent";
    } catch (err) {
      if (isDuplicateIdentifier(err)) {
        await markSent(db, e.identifier);
        return "sent";
      }
      if (isTooOld(err)) return markExpired(db, e);
      const message = err instanceof Error ? err.message : String(err);
      await db
        .update(billingExports)
        .set({ attempts: sql`${billingExports.attempts} + 1`, lastError: message.slice(0, 500) })
        .where(eq(billingExports.identifier, e.identifier));
      if (!isRetryable(err) || attempt >= maxAttempts) {
        log.warn("billing", "meter event not sent; will retry on the next pass", { identifier: e.identifier, error: message });
        return "failed";
      }
      const retryAfter = err instanceof Stripe.errors.StripeError ? Number(err.headers?.["retry-after"] ?? 0) * 1000 : 0;
      await sleep(Math.max(retryAfter, Math.min(10_000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)));
    }
  }
}

async function markSent(db: Db, identifier: string): Promise<void> {
  await db.update(billingExports).set({ status: "sent", sentAt: new Date(), lastError: null }).where(and(eq(billingExports.identifier, identifier), eq(billingExports.status, "pending")));
}

/** Exported totals per meter for one organization and period (sent exports only), for reconciliation. */
export async function exportedTotals(db: Db, orgId: string, from: Date, to: Date): Promise<Map<MeterKey, bigint>> {
  const rows = await db
    .select({ meter: billingExports.meter, total: sql<string>`sum(${billingExports.valueMicro})` })
    .from(billingExports)
    .where(and(eq(billingExports.orgId, orgId), eq(billingExports.status, "sent"), sql`${billingExports.hour} >= ${from} and ${billingExports.hour} < ${to}`))
    .groupBy(billingExports.meter);
  return new Map(rows.map((r) => [r.meter, BigInt(r.total)]));
}

export async function meterIds(db: Db): Promise<Map<MeterKey, string>> {
  const rows = await db.select().from(billingMeters).where(inArray(billingMeters.meter, Object.keys(METERS) as MeterKey[]));
  return new Map(rows.map((r) => [r.meter, r.stripeMeterId]));
}
