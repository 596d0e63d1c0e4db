// Organization webhooks: endpoints that receive signed incident events, and their recent deliveries.
import { z } from "zod";
import {
  createWebhook, createWebhookInput, deleteWebhook, listDeliveries, listDeliveriesInput, listWebhooks, sendTestWebhook, updateWebhook, updateWebhookInput,
  webhookRefInput,
} from "@/server/notifications/webhooks";
import { orgProcedure, router } from "../trpc";

export const webhooksRouter = router({
  list: orgProcedure("webhooks:read").input(z.object({ orgId: z.uuid() })).query(({ ctx, input }) => listWebhooks(ctx.db, input.orgId)),
  create: orgProcedure("webhooks:manage").input(createWebhookInput).mutation(({ ctx, input }) => createWebhook(ctx.db, ctx, input)),
  update: orgProcedure("webhooks:manage").input(updateWebhookInput).mutation(({ ctx, input }) => updateWebhook(ctx.db, ctx, input)),
  delete: orgProcedure("webhooks:manage").input(webhookRefInput).mutation(({ ctx, input }) => deleteWebhook(ctx.db, ctx, input.orgId, input.webhookId)),
  sendTest: orgProcedure("webhooks:manage").input(webhookRefInput).mutation(({ ctx, input }) => sendTestWebhook(ctx.db, ctx, input.orgId, input.webhookId)),
  deliveries: orgProcedure("webhooks:read").input(listDeliveriesInput).query(({ ctx, input }) => listDeliveries(ctx.db, input)),
});
