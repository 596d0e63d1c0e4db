// Stripe webhooks: verified against the raw body, stored once by event id and acknowledged at once; processing
// happens in the workers, re-fetches what the event is about and is safe to repeat or reorder.
import { eq, isNull, and, lt, asc } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "@/db/client";
import { billingAccounts, billingInvoices, stripeEvents } from "@/db/schema";
import { getEnv } from "@/server/env";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { syncAccountFromStripe } from "./account-sync";
import { convergeBillingState } from "./suspension";
import { getStripe } from "./stripe-client";

/** Event types Fleetplane acts on; others are stored and marked processed. */
export const HANDLED_EVENTS = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
  "invoice.finalized",
  "invoice.created",
  "invoice.payment_succeeded",
]);

/**
 * Verifies the signature and stores the event (once: a redelivery finds it stored). Returns its id and whether
 * it was new. Bad signatures raise UNAUTHORIZED without storing anything.
 */
export async function receiveStripeWebhook(db: Db, rawBody: string, signature: string | null): Promise<{ id: string; fresh: boolean }> {
  const secret = getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new DomainError("PRECONDITION_FAILED", "Webhooks are not configured: set STRIPE_WEBHOOK_SECRET");
  if (!signature) throw new DomainError("UNAUTHORIZED", "Missing Stripe-Signature header");
  let event: Stripe.Event;
  try {
    event = getStripe().webhooks.constructEvent(rawBody, signature, secret);
  } catch {
    throw new DomainError("UNAUTHORIZED", "Invalid Stripe signature");
  }
  const inserted = await db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, created: new Date(event.created * 1000), payload: event as unknown as Record<string, unknown> })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  return { id: event.id, fresh: inserted.length > 0 };
}

async function orgForCustomer(db: Db, customerId: string | null | undefined): Promise<string | null> {
  if (!customerId) return null;
  const [row] = await db.select({ orgId: billingAccounts.orgId }).from(billingAccounts).where(eq(billingAccounts.stripeCustomerId, customerId));
  return row?.orgId ?? null;
}

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === "string" ? v : (v?.id ?? null));

/** Stores the invoice as Stripe has it now (re-fetched, so an older payload never overwrites a newer state). */
async function refreshInvoice(db: Db, orgId: string, invoiceId: string): Promise<void> {
  const inv = await getStripe().invoices.retrieve(invoiceId);
  const values = {
    orgId,
    number: inv.number ?? null,
    status: inv.status ?? "draft",
    currency: inv.currency,
    amountDue: inv.amount_due,
    amountPaid: inv.amount_paid,
    periodStart: inv.period_start ? new Date(inv.period_start * 1000) : null,
    periodEnd: inv.period_end ? new Date(inv.period_end * 1000) : null,
    hostedInvoiceUrl: inv.hosted_invoice_url ?? null,
    invoicePdf: inv.invoice_pdf ?? null,
    updatedAt: new Date(),
  };
  await db.insert(billingInvoices).values({ id: inv.id!, created: new Date(inv.created * 1000), ...values }).onConflictDoUpdate({ target: billingInvoices.id, set: values });
}

/** Processes one stored event; a second call is a no-op. A failure is recorded on the event and rethrown (retried). */
export async function processStripeEvent(db: Db, eventId: string): Promise<void> {
  const [row] = await db.select().from(stripeEvents).where(eq(stripeEvents.id, eventId));
  if (!row || row.processedAt) return;
  try {
    await applyStripeEvent(db, row);
  } catch (err) {
    await db.update(stripeEvents).set({ error: (err instanceof Error ? err.message : String(err)).slice(0, 500) }).where(eq(stripeEvents.id, eventId));
    throw err;
  }
}

async function applyStripeEvent(db: Db, row: typeof stripeEvents.$inferSelect): Promise<void> {
  const eventId = row.id;
  const event = row.payload as unknown as Stripe.Event;
  if (HANDLED_EVENTS.has(event.type)) {
    const object = event.data.object as { id: string; customer?: string | { id: string } | null; client_reference_id?: string | null; object: string };
    const customerId = idOf(object.customer);
    let orgId = await orgForCustomer(db, customerId);
    if (!orgId && event.type === "checkout.session.completed" && object.client_reference_id && customerId) {
      // A customer we did not create (Checkout made it): adopt it for the organization that started the session.
      await db.update(billingAccounts).set({ stripeCustomerId: customerId }).where(and(eq(billingAccounts.orgId, object.client_reference_id), isNull(billingAccounts.stripeCustomerId)));
      orgId = await orgForCustomer(db, customerId);
    }
    if (!orgId) {
      log.warn("billing", "webhook for a customer we do not know", { event: event.id, type: event.type, customer: customerId });
    } else {
      if (object.object === "invoice") await refreshInvoice(db, orgId, object.id);
      const transition = await syncAccountFromStripe(db, orgId);
      if (transition) await convergeBillingState(db, orgId);
    }
  }
  await db.update(stripeEvents).set({ processedAt: new Date(), error: null }).where(eq(stripeEvents.id, eventId));
}

/** Events stored but not processed after `olderThanMs` (an enqueue lost to a crash): process them now. */
export async function processStaleStripeEvents(db: Db, olderThanMs = 60_000): Promise<number> {
  const stale = await db
    .select({ id: stripeEvents.id })
    .from(stripeEvents)
    .where(and(isNull(stripeEvents.processedAt), lt(stripeEvents.receivedAt, new Date(Date.now() - olderThanMs))))
    .orderBy(asc(stripeEvents.created))
    .limit(100);
  for (const e of stale) await processStripeEvent(db, e.id);
  return stale.length;
}
