// Keeps each subscription's flat per-plan items in line with the organization's instances: one item per paid plan
// in use, quantity = live instances on it. Convergent (reads Stripe, writes the difference), so a retry is safe.
import { and, count, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { billingAccounts, instances, plans } from "@/db/schema";
import { log } from "@/server/log";
import { getStripe } from "./stripe-client";

/** Desired quantities per Stripe price for one organization's paid instances. */
async function desiredItems(db: Db, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ price: plans.stripePriceId, n: count() })
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .where(and(eq(instances.orgId, orgId), isNull(instances.deletedAt), eq(plans.free, false), isNotNull(plans.stripePriceId)))
    .groupBy(plans.stripePriceId);
  return new Map(rows.map((r) => [r.price!, r.n]));
}

const fingerprint = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, n]) => `${p}:${n}`).join(",");

/** Syncs one organization's subscription items when its instances changed since the last sync. */
export async function syncSubscriptionItems(db: Db, orgId: string): Promise<boolean> {
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  if (!account?.stripeSubscriptionId || !["active", "past_due"].includes(account.status)) return false;
  const desired = await desiredItems(db, orgId);
  // Keyed by subscription: a new subscription (after a cancellation) has none of the items written to the old one.
  const print = `${account.stripeSubscriptionId}|${fingerprint(desired)}`;
  if (print === account.itemsSynced) return false;
  const stripe = getStripe();
  const sub = await stripe.subscriptions.retrieve(account.stripeSubscriptionId);
  const planPrices = new Set((await db.select({ p: plans.stripePriceId }).from(plans).where(isNotNull(plans.stripePriceId))).map((r) => r.p!));
  const items: { id?: string; price?: string; quantity?: number; deleted?: boolean }[] = [];
  for (const item of sub.items.data) {
    if (!planPrices.has(item.price.id)) continue; // metered usage items stay as they are
    const want = desired.get(item.price.id) ?? 0;
    if (want === 0) items.push({ id: item.id, deleted: true });
    else if (item.quantity !== want) items.push({ id: item.id, quantity: want });
    desired.delete(item.price.id);
  }
  for (const [price, quantity] of desired) items.push({ price, quantity });
  if (items.length) await stripe.subscriptions.update(sub.id, { items, proration_behavior: "none" });
  await db.update(billingAccounts).set({ itemsSynced: print }).where(eq(billingAccounts.orgId, orgId));
  return true;
}

/** Syncs every subscribed organization whose paid instances changed (the periodic pass). */
export async function syncAllSubscriptionItems(db: Db): Promise<number> {
  const accounts = await db.select({ orgId: billingAccounts.orgId }).from(billingAccounts).where(and(isNotNull(billingAccounts.stripeSubscriptionId), inArray(billingAccounts.status, ["active", "past_due"])));
  let synced = 0;
  for (const { orgId } of accounts) {
    try {
      if (await syncSubscriptionItems(db, orgId)) synced++;
    } catch (err) {
      log.warn("billing", "could not sync subscription items", { orgId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return synced;
}
