// Metering and billing: segments to usage events every 30 s, usage export every minute, grace periods and
// suspension every minute, reconciliation hourly, the Stripe catalog at start and every 6 h, and webhook events.
import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import { getDb } from "@/db/client";
import { runExportPass } from "@/server/billing/export-pass";
import { reconcileUsage } from "@/server/billing/reconcile-usage";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { syncAllSubscriptionItems } from "@/server/billing/subscription-items";
import { processStaleStripeEvents, processStripeEvent } from "@/server/billing/stripe-webhooks";
import { convergeAllBillingStates, enforceGracePeriods } from "@/server/billing/suspension";
import { meterSegments } from "@/server/metering/meter-segments";
import { HOUR_MS, hourStart } from "@/server/metering/usage-math";
import { QUEUES, type ProcessorRegistration } from "../queues";

export const stripeEventPayload = z.object({ eventId: z.string().min(1).max(255) });

export const billingProcessor: ProcessorRegistration = {
  queue: QUEUES.billing,
  concurrency: 1,
  schedules: [
    { id: "billing-meter", every: 30_000, jobName: "meter" },
    { id: "billing-export", every: 60_000, jobName: "export" },
    { id: "billing-enforce", every: 60_000, jobName: "enforce" },
    { id: "billing-reconcile", every: HOUR_MS, jobName: "reconcile" },
    { id: "billing-catalog", every: 6 * HOUR_MS, jobName: "sync-catalog" },
  ],
  async process(job) {
    const db = getDb();
    switch (job.name) {
      case "meter": {
        let total = 0;
        for (let r = await meterSegments(db); r.segments > 0; r = await meterSegments(db)) total += r.events;
        return { events: total };
      }
      case "export":
        return runExportPass(db);
      case "enforce": {
        const suspended = await enforceGracePeriods(db);
        await convergeAllBillingStates(db);
        const itemsSynced = await syncAllSubscriptionItems(db);
        return { suspended: suspended.length, itemsSynced, staleEvents: await processStaleStripeEvents(db) };
      }
      case "reconcile": {
        // The last full day, ending two hours ago: Stripe aggregates asynchronously.
        const to = new Date(hourStart(Date.now()) - 2 * HOUR_MS);
        const { checked, drifts } = await reconcileUsage(db, new Date(to.getTime() - 24 * HOUR_MS), to);
        return { checked, drifts: drifts.length };
      }
      case "sync-catalog":
        return syncStripeCatalog(db);
      default:
        throw new UnrecoverableError(`unknown billing job ${job.name}`);
    }
  },
};

export const stripeEventsProcessor: ProcessorRegistration = {
  queue: QUEUES.stripeEvents,
  concurrency: 4,
  async process(job) {
    await processStripeEvent(getDb(), stripeEventPayload.parse(job.data).eventId);
  },
};
