// An organization's billing account: its Stripe customer (created once), Checkout to subscribe, the Customer
// Portal to manage payment, and what the billing page shows.
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { billingAccounts, billingInvoices, billingMeters, memberships, organizations, users } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { getEnv } from "@/server/env";
import { DomainError } from "@/server/errors/domain-error";
import { getStripe } from "./stripe-client";

export type BillingAccount = typeof billingAccounts.$inferSelect;

/** The account row, created empty on first use. */
export async function getBillingAccount(db: DbOrTx, orgId: string): Promise<BillingAccount> {
  await db.insert(billingAccounts).values({ orgId }).onConflictDoNothing();
  const [row] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row!;
}

/** Emails of the organization's owners and billing members: who hears about payments and suspension. */
export async function billingContacts(db: DbOrTx, orgId: string): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), inArray(memberships.role, ["owner", "billing"])));
  return rows.map((r) => r.email);
}

/**
 * The organization's Stripe customer id, creating the customer once. Concurrent callers serialize on the
 * account row, and the idempotency key makes a retry after a lost answer return the same customer.
 */
export async function ensureStripeCustomer(db: Db, orgId: string): Promise<string> {
  await getBillingAccount(db, orgId);
  return db.transaction(async (tx) => {
    const [account] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId)).for("update");
    if (account?.stripeCustomerId) return account.stripeCustomerId;
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, orgId));
    if (!org) throw new DomainError("NOT_FOUND", "Organization not found");
    const [email] = await billingContacts(tx, orgId);
    const customer = await getStripe().customers.create(
      { name: org.name, ...(email ? { email } : {}), metadata: { fleetplane_org: orgId } },
      { idempotencyKey: `fleetplane-customer-${orgId}` },
    );
    await tx.update(billingAccounts).set({ stripeCustomerId: customer.id, updatedAt: new Date() }).where(eq(billingAccounts.orgId, orgId));
    return customer.id;
  });
}

const billingPageUrl = (orgSlug: string) => `${getEnv().APP_URL}/o/${orgSlug}/usage`;

/** A Checkout Session (subscription mode) for the usage prices; the organization's plans add their base prices later. */
export async function createCheckoutSession(db: Db, ctx: ActorContext, orgId: string): Promise<{ url: string }> {
  const account = await getBillingAccount(db, orgId);
  // A suspended organization whose subscription Stripe cancelled (retries exhausted) subscribes again here.
  const live = account.subscriptionStatus !== null && !["canceled", "incomplete_expired"].includes(account.subscriptionStatus);
  if (account.stripeSubscriptionId && live) {
    throw new DomainError("PRECONDITION_FAILED", "This organization already has a subscription; use Manage billing to change it");
  }
  const meters = await db.select().from(billingMeters);
  if (meters.length === 0) throw new DomainError("PRECONDITION_FAILED", "Billing is not set up yet; try again in a minute");
  const customer = await ensureStripeCustomer(db, orgId);
  const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId));
  const session = await getStripe().checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: orgId,
    line_items: meters.map((m) => ({ price: m.stripePriceId })),
    success_url: `${billingPageUrl(org!.slug)}?checkout=success&session={CHECKOUT_SESSION_ID}`,
    cancel_url: `${billingPageUrl(org!.slug)}?checkout=cancelled`,
    metadata: { fleetplane_org: orgId },
    subscription_data: { metadata: { fleetplane_org: orgId } },
  });
  await recordAudit(db, ctx, { orgId, action: "billing.checkout_started", targetType: "organization", targetId: orgId, details: { session: session.id } });
  if (!session.url) throw new DomainError("PRECONDITION_FAILED", "Stripe did not return a checkout page");
  return { url: session.url };
}

/** A Customer Portal session to change the payment method, see invoices or cancel. */
export async function createPortalSession(db: Db, orgId: string): Promise<{ url: string }> {
  const account = await getBillingAccount(db, orgId);
  if (!account.stripeCustomerId) throw new DomainError("PRECONDITION_FAILED", "Subscribe first: this organization has no billing account yet");
  const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId));
  const session = await getStripe().billingPortal.sessions.create({ customer: account.stripeCustomerId, return_url: billingPageUrl(org!.slug) });
  return { url: session.url };
}

/** What the billing page shows: status, period, grace deadline and invoices (newest first). */
export async function getBillingOverview(db: Db, orgId: string) {
  const account = await getBillingAccount(db, orgId);
  const invoices = await db.select().from(billingInvoices).where(eq(billingInvoices.orgId, orgId)).orderBy(desc(billingInvoices.created)).limit(24);
  return {
    status: account.status,
    subscriptionStatus: account.subscriptionStatus,
    hasCustomer: account.stripeCustomerId !== null,
    currentPeriodStart: account.currentPeriodStart,
    currentPeriodEnd: account.currentPeriodEnd,
    cancelAtPeriodEnd: account.cancelAtPeriodEnd,
    paymentFailedAt: account.paymentFailedAt,
    graceUntil: account.graceUntil,
    suspendedAt: account.suspendedAt,
    invoices: invoices.map((i) => ({
      id: i.id,
      number: i.number,
      status: i.status,
      currency: i.currency,
      amountDue: i.amountDue,
      amountPaid: i.amountPaid,
      periodStart: i.periodStart,
      periodEnd: i.periodEnd,
      hostedInvoiceUrl: i.hostedInvoiceUrl,
      invoicePdf: i.invoicePdf,
      created: i.created,
    })),
  };
}
