// Stripe webhooks: verify the raw body, store the event once, queue it for the workers and answer at once.
import { getDb } from "@/db/client";
import { receiveStripeWebhook } from "@/server/billing/stripe-webhooks";
import { DomainError } from "@/server/errors/domain-error";
import { getQueue, QUEUES } from "@/server/jobs/queues";
import { log } from "@/server/log";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const raw = await req.text();
  try {
    const { id, fresh } = await receiveStripeWebhook(getDb(), raw, req.headers.get("stripe-signature"));
    if (fresh) {
      // Stored first: if this enqueue is lost, the workers' sweep processes the event a minute later.
      await getQueue(QUEUES.stripeEvents)
        .add("stripe-event", { eventId: id }, { jobId: `stripe-event-${id}`, attempts: 8, backoff: { type: "exponential", delay: 2_000 } })
        .catch((err: unknown) => log.warn("billing", "could not queue a webhook event; the sweep will pick it up", { id, error: String(err) }));
    }
    return Response.json({ received: true, duplicate: !fresh });
  } catch (err) {
    if (err instanceof DomainError) {
      return Response.json({ error: err.message }, { status: err.code === "UNAUTHORIZED" ? 400 : 503 });
    }
    log.error("billing", "webhook failed", { error: err instanceof Error ? err.message : String(err) });
    return Response.json({ error: "Something went wrong; Stripe will retry." }, { status: 500 });
  }
}
