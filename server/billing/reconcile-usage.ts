// Compares what we exported with what Stripe aggregated (meter event summaries), per customer, meter and period,
// records every comparison and alerts (error log + email to platform admins) on any drift.
import { isNotNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { billingAccounts, billingReconciliations, type MeterKey } from "@/db/schema";
import { getEnv } from "@/server/env";
import { log } from "@/server/log";
import { deliverMail, enqueueMail } from "@/server/mail/send-mail";
import { formatMicro, MICRO } from "@/server/metering/meters";
import { exportedTotals, meterIds } from "./export-usage";
import { getStripe } from "./stripe-client";

/** A decimal string as millionths, exactly (Stripe's aggregated values are decimals). */
export function parseMicro(value: string | number): bigint {
  const [whole = "0", frac = ""] = String(value).split(".");
  const negative = whole.startsWith("-");
  const micro = BigInt(whole.replace("-", "") || "0") * MICRO + BigInt((frac + "000000").slice(0, 6));
  return negative ? -micro : micro;
}

export type Drift = { orgId: string; meter: MeterKey; localMicro: bigint; stripeMicro: bigint };

/** Reconciles [from, to) (hour-aligned) for every organization with a Stripe customer; returns the drifts. */
export async function reconcileUsage(db: Db, from: Date, to: Date): Promise<{ checked: number; drifts: Drift[] }> {
  const stripe = getStripe();
  const meters = await meterIds(db);
  const accounts = await db.select().from(billingAccounts).where(isNotNull(billingAccounts.stripeCustomerId));
  const drifts: Drift[] = [];
  let checked = 0;
  for (const account of accounts) {
    const local = await exportedTotals(db, account.orgId, from, to);
    for (const [meter, meterId] of meters) {
      let remote = 0n;
      for await (const s of stripe.billing.meters.listEventSummaries(meterId, {
        customer: account.stripeCustomerId!,
        start_time: Math.floor(from.getTime() / 1000),
        end_time: Math.floor(to.getTime() / 1000),
        limit: 100,
      })) {
        remote += parseMicro(s.aggregated_value);
      }
      const mine = local.get(meter) ?? 0n;
      checked++;
      await db.insert(billingReconciliations).values({ orgId: account.orgId, meter, periodStart: from, periodEnd: to, localMicro: mine, stripeMicro: remote, driftMicro: remote - mine });
      if (remote !== mine) drifts.push({ orgId: account.orgId, meter, localMicro: mine, stripeMicro: remote });
    }
  }
  if (drifts.length) await alertDrift(db, from, to, drifts);
  return { checked, drifts };
}

async function alertDrift(db: Db, from: Date, to: Date, drifts: Drift[]): Promise<void> {
  const lines = drifts.map((d) => `${d.orgId} ${d.meter}: ours ${formatMicro(d.localMicro)}, Stripe ${formatMicro(d.stripeMicro)}`);
  log.error("billing", "usage drift between Fleetplane and Stripe", { from: from.toISOString(), to: to.toISOString(), drifts: lines });
  const ids: string[] = [];
  for (const admin of getEnv().PLATFORM_ADMIN_EMAILS) {
    ids.push(await enqueueMail(db, { to: admin, subject: `Billing drift in ${drifts.length} meter total(s)`, text: `Between ${from.toISOString()} and ${to.toISOString()}:\n${lines.join("\n")}` }));
  }
  for (const id of ids) await deliverMail(db, id);
}
