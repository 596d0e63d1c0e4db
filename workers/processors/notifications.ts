// Notifications: one job per webhook delivery attempt, one per outbox email, and a sweep every 30 s that
// re-enqueues due deliveries whose job was lost.
import { UnrecoverableError } from "bullmq";
import { getDb } from "@/db/client";
import { deliverMail } from "@/server/mail/send-mail";
import { attemptWebhookDelivery, sweepDueWebhookDeliveries } from "@/server/notifications/webhook-delivery";
import { mailJobPayload, webhookJobPayload } from "@/server/notifications/webhook-jobs";
import { QUEUES, type ProcessorRegistration } from "../queues";

export const notificationsProcessor: ProcessorRegistration = {
  queue: QUEUES.notifications,
  // Attempts mostly wait on other people's servers (up to the 10 s timeout each).
  concurrency: 8,
  schedules: [{ id: "notifications-sweep", every: 30_000, jobName: "sweep" }],
  async process(job) {
    const db = getDb();
    switch (job.name) {
      case "deliver-webhook":
        return attemptWebhookDelivery(db, webhookJobPayload.parse(job.data).deliveryId);
      case "deliver-mail":
        return deliverMail(db, mailJobPayload.parse(job.data).mailId);
      case "sweep":
        return { requeued: await sweepDueWebhookDeliveries(db) };
      default:
        throw new UnrecoverableError(`unknown notifications job ${job.name}`);
    }
  },
};
