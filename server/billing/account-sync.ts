// Brings an organization's billing account in line with Stripe: the subscription is re-fetched (never taken from
// a webhook payload), under the account's row lock, so duplicate and out-of-order webhooks end in the same state.
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db, Tx } from "@/db/client";
import { billingAccounts, type AccountStatus } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import { systemContext } from "@/server/auth/actor";
import { getEnv } from "@/server/env";
import { deliverMail, enqueueMail } from "@/server/mail/send-mail";
import { billingContacts, getBillingAccount } from "./billing-accounts";
import { getStripe } from "./stripe-client";

const DAY_MS = 86_400_000;

/** The subscription that speaks for the customer: a live one if any, else the newest. */
function pickSubscription(subs: Stripe.Subscription[]): Stripe.Subscription | undefined {
  const live = subs.filter((s) => s.status !== "canceled" && s.status !== "incomplete_expired");
  return (live.length ? live : subs).sort((a, b) => b.created - a.created)[0];
}

export type AccountTransition = { orgId: string; from: AccountStatus; to: AccountStatus };

/** The account status a Stripe subscription status leads to, given where the account stands now. */
export function nextAccountStatus(current: AccountStatus, subscription: Stripe.Subscription.Status | null): AccountStatus {
  if (subscription === "active" || subscription === "trialing") return "active";
  // Unpaid: suspension happens when the grace period ends (enforceGracePeriods), not here.
  if (subscription === "past_due" || subscription === "unpaid") return current === "suspended" ? "suspended" : "past_due";
  if (current === "suspended") return "suspended";
  if (subscription === "canceled" || subscription === "incomplete_expired") return "canceled";
  return current === "none" ? "none" : current;
}

const MESSAGES: Partial<Record<AccountStatus, { subject: string; text: (graceUntil: Date | null) => string }>> = {
  active: { subject: "Your Fleetplane subscription is active", text: () => "Your subscription is active. Paid plans are available to your organization." },
  past_due: {
    subject: "Payment failed: action needed",
    text: (until) => `We could not charge your payment method. Update it in Usage & billing → Manage billing before ${until?.toUTCString() ?? "the end of the grace period"}, or your instances will be stopped.`,
  },
  canceled: { subject: "Your Fleetplane subscription has ended", text: () => "Your subscription was cancelled. Only free plans can be created from now on." },
};

/** Records a status change: audit entry and email to the billing contacts, in the caller's transaction. */
export async function recordAccountTransition(tx: Tx, orgId: string, from: AccountStatus, to: AccountStatus, graceUntil: Date | null, extra: Record<string, unknown> = {}): Promise<string[]> {
  await recordAudit(tx, systemContext("billing"), { orgId, action: `billing.${to}`, targetType: "organization", targetId: orgId, details: { from, to, ...extra } });
  const message =
    from === "suspended" && to === "active"
      ? { subject: "Payment received: your instances are starting again", text: () => "Thank you. Your organization is active again and the instances stopped for non-payment are starting." }
      : MESSAGES[to];
  if (!message) return [];
  const ids: string[] = [];
  for (const email of await billingContacts(tx, orgId)) ids.push(await enqueueMail(tx, { to: email, subject: message.subject, text: message.text(graceUntil) }));
  return ids;
}

/**
 * Re-fetches the customer's subscriptions from Stripe and applies them. Returns the transition when the
 * account's status changed (the caller then converges instances: see suspension.ts).
 */
export async function syncAccountFromStripe(db: Db, orgId: string): Promise<AccountTransition | null> {
  await getBillingAccount(db, orgId);
  const mails: string[] = [];
  const transition = await db.transaction(async (tx) => {
    const [account] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId)).for("update");
    if (!account?.stripeCustomerId) return null;
    // Fetched while holding the lock: whoever writes last also fetched last.
    const { data } = await getStripe().subscriptions.list({ customer: account.stripeCustomerId, status: "all", limit: 20 });
    const sub = pickSubscription(data);
    const status = nextAccountStatus(account.status, sub?.status ?? null);
    const now = new Date();
    const item = sub?.items.data[0];
    const pastDue = status === "past_due" || status === "suspended";
    const paymentFailedAt = pastDue ? (account.paymentFailedAt ?? now) : null;
    const graceUntil = pastDue ? (account.graceUntil ?? new Date(paymentFailedAt!.getTime() + getEnv().BILLING_GRACE_DAYS * DAY_MS)) : null;
    await tx
      .update(billingAccounts)
      .set({
        stripeSubscriptionId: sub?.id ?? null,
        subscriptionStatus: sub?.status ?? null,
        currentPeriodStart: item ? new Date(item.current_period_start * 1000) : null,
        currentPeriodEnd: item ? new Date(item.current_period_end * 1000) : null,
        cancelAtPeriodEnd: sub?.cancel_at_period_end ?? false,
        status,
        paymentFailedAt,
        graceUntil,
        suspendedAt: status === "suspended" ? account.suspendedAt : null,
        updatedAt: now,
      })
      .where(eq(billingAccounts.orgId, orgId));
    if (status === account.status) return null;
    mails.push(...(await recordAccountTransition(tx, orgId, account.status, status, graceUntil, { subscription: sub?.id ?? null, subscriptionStatus: sub?.status ?? null })));
    return { orgId, from: account.status, to: status };
  });
  for (const id of mails) await deliverMail(db, id);
  return transition;
}
