// Jobs of the notifications queue: one per webhook delivery attempt (deterministic id, so a duplicate enqueue is a
// no-op while it waits) and one per outgoing email.
import { z } from "zod";
import { getQueue, QUEUES } from "@/server/jobs/queues";

export const webhookJobPayload = z.object({ deliveryId: z.uuid(), attempt: z.number().int().min(1) });
export const mailJobPayload = z.object({ mailId: z.uuid() });

/** Per delivery and attempt; finished jobs are removed so the sweep can enqueue the same attempt again after a loss. */
export function webhookJobId(deliveryId: string, attempt: number): string {
  return `wh-${deliveryId}-a${attempt}`;
}

/** Enqueues attempt `attempt` of a delivery, after the transaction that queued it has committed. */
export async function enqueueWebhookAttempt(deliveryId: string, attempt: number, delayMs = 0): Promise<void> {
  const data: z.infer<typeof webhookJobPayload> = { deliveryId, attempt };
  await getQueue(QUEUES.notifications).add("deliver-webhook", data, {
    jobId: webhookJobId(deliveryId, attempt),
    delay: Math.max(0, Math.round(delayMs)),
    // Retries are counted in PostgreSQL (webhook_deliveries.attempts), not by BullMQ.
    attempts: 1,
    removeOnComplete: true,
    removeOnFail: true,
  });
}

/** Sends an outbox email from the workers, so a slow mail server never holds up the caller. */
export async function enqueueMailDelivery(mailId: string): Promise<void> {
  const data: z.infer<typeof mailJobPayload> = { mailId };
  await getQueue(QUEUES.notifications).add("deliver-mail", data, { jobId: `mail-${mailId}`, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
}
