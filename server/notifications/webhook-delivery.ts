// Sends webhook deliveries: a signed POST per attempt, 2xx means delivered, anything else retries with exponential
// backoff until MAX_ATTEMPTS, then the delivery has failed. PostgreSQL holds the truth (attempts, next attempt);
// queue jobs only wake the sender, and a periodic sweep re-enqueues due deliveries whose job was lost.
import { and, asc, eq, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { orgWebhooks, webhookDeliveries } from "@/db/schema";
import { log } from "@/server/log";
import { enqueueWebhookAttempt } from "./webhook-jobs";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhookPayload } from "./webhook-signature";
import { openWebhookSecret } from "./webhooks";

/** Attempts per delivery before it is marked failed. */
export const MAX_ATTEMPTS = 8;

const settings = {
  /** Delay after the first failed attempt; doubles after each further failure (1, 2, 4 … 64 min by default). */
  baseDelayMs: 60_000,
  maxDelayMs: 6 * 3600_000,
  /** Per attempt, connection to last byte of the answer's headers. */
  timeoutMs: 10_000,
  /** How long an attempt holds its delivery: longer than the timeout, so no second sender starts meanwhile. */
  leaseMs: 60_000,
};

/** Test and benchmark knobs (a fast retry schedule). */
export function configureWebhookDelivery(overrides: Partial<typeof settings>): void {
  Object.assign(settings, overrides);
}

/** Delay before attempt `failed + 1` after `failed` failed attempts. */
export function retryDelayMs(failed: number): number {
  return Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, failed - 1));
}

const MAX_REDIRECTS = 3;

type Answer = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** One POST, following redirects only within the same origin (scheme, host and port), body and method kept. */
async function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  let target = new URL(url);
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(target, { method: "POST", body, headers, redirect: "manual", signal });
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        const next = new URL(res.headers.get("location")!, target);
        if (next.origin !== target.origin) return { ok: false, status: res.status, error: `redirect to another host (${next.host}) not followed` };
        if (hop >= MAX_REDIRECTS) return { ok: false, status: res.status, error: "too many redirects" };
        target = next;
        continue;
      }
      return { ok: false, status: res.status, error: `HTTP ${res.status}` };
    }
  } catch (err) {
    if (signal.aborted) return { ok: false, status: null, error: `no answer within ${Math.round(settings.timeoutMs / 1000)} s` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, status: null, error: `could not connect: ${cause?.code ?? cause?.message ?? (err as Error).message}`.slice(0, 300) };
  }
}

export type AttemptResult = { status: "delivered" | "pending" | "failed" | "skipped"; attempts?: number; error?: string };

/**
 * Makes the next attempt of a delivery when it is due and pending. The row is claimed first (a lease moves its next
 * attempt forward), so a duplicate job or the sweep never sends the same attempt twice at once.
 */
export async function attemptWebhookDelivery(db: Db, deliveryId: string, now = new Date()): Promise<AttemptResult> {
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: new Date(now.getTime() + settings.leaseMs) })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now)))
    .returning();
  if (!claimed) return { status: "skipped" };
  const [hook] = await db.select().from(orgWebhooks).where(eq(orgWebhooks.id, claimed.webhookId));
  if (!hook) return { status: "skipped" };
  const attempt = claimed.attempts + 1;
  let answer: Answer;
  if (!hook.enabled && claimed.eventType !== "ping") {
    answer = { ok: false, status: null, error: "the webhook was disabled before delivery" };
  } else {
    const body = JSON.stringify(claimed.payload);
    let secret: string;
    try {
      secret = openWebhookSecret(hook);
    } catch (err) {
      log.error("notifications", "cannot open a webhook secret", { webhookId: hook.id, error: (err as Error).message });
      answer = { ok: false, status: null, error: "the signing secret cannot be read; create the webhook again" };
      return finish(db, claimed, hook.id, attempt, answer, true);
    }
    answer = await post(hook.url, body, {
      "content-type": "application/json",
      "user-agent": "Fleetplane-Webhooks/1",
      [SIGNATURE_HEADER]: signWebhookPayload(secret, body),
      [EVENT_ID_HEADER]: claimed.eventId,
    });
  }
  return finish(db, claimed, hook.id, attempt, answer, !hook.enabled && claimed.eventType !== "ping");
}

async function finish(db: Db, delivery: typeof webhookDeliveries.$inferSelect, webhookId: string, attempt: number, answer: Answer, final: boolean): Promise<AttemptResult> {
  const at = new Date();
  await db.update(orgWebhooks).set({ lastDeliveryAt: at, lastStatus: answer.ok ? String(answer.status) : answer.error.slice(0, 200) }).where(eq(orgWebhooks.id, webhookId));
  if (answer.ok) {
    await db
      .update(webhookDeliveries)
      .set({ status: "delivered", attempts: attempt, responseStatus: answer.status, lastError: null, deliveredAt: at })
      .where(eq(webhookDeliveries.id, delivery.id));
    return { status: "delivered", attempts: attempt };
  }
  const failed = final || attempt >= MAX_ATTEMPTS;
  const nextAt = new Date(at.getTime() + retryDelayMs(attempt));
  await db
    .update(webhookDeliveries)
    .set({ status: failed ? "failed" : "pending", attempts: attempt, responseStatus: answer.status, lastError: answer.error.slice(0, 500), nextAttemptAt: failed ? at : nextAt })
    .where(eq(webhookDeliveries.id, delivery.id));
  if (failed) {
    log.warn("notifications", "webhook delivery failed for good", { deliveryId: delivery.id, webhookId, attempts: attempt, error: answer.error });
    return { status: "failed", attempts: attempt, error: answer.error };
  }
  await enqueueWebhookAttempt(delivery.id, attempt + 1, nextAt.getTime() - Date.now()).catch((err: unknown) =>
    log.warn("notifications", "enqueue failed; the sweep will retry", { deliveryId: delivery.id, error: String(err) }),
  );
  return { status: "pending", attempts: attempt, error: answer.error };
}

/** Re-enqueues pending deliveries that are due (their job was lost, or a sender died holding a lease). */
export async function sweepDueWebhookDeliveries(db: Db, now = new Date(), limit = 500): Promise<number> {
  const due = await db
    .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, now)))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(limit);
  for (const d of due) await enqueueWebhookAttempt(d.id, d.attempts + 1);
  return due.length;
}
