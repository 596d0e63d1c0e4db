// Usage and billing: an organization's usage and cost estimate, its subscription (Checkout, Customer Portal,
// invoices), and for platform staff usage and revenue across organizations.
import { z } from "zod";
import { createCheckoutSession, createPortalSession, getBillingOverview } from "@/server/billing/billing-accounts";
import { getOrgUsage, getPlatformUsage, usagePeriodInput } from "@/server/metering/usage-queries";
import { orgProcedure, platformProcedure, router } from "../trpc";

const period = usagePeriodInput.refine((p) => !p.from || !p.to || p.to > p.from, { message: "`to` must be after `from`", path: ["to"] });

export const usageRouter = router({
  get: orgProcedure("usage:read")
    .input(z.object({ orgId: z.uuid() }).and(period))
    .query(({ ctx, input }) => getOrgUsage(ctx.db, input.orgId, input)),
  platform: platformProcedure("platform_billing:read")
    .input(period)
    .query(({ ctx, input }) => getPlatformUsage(ctx.db, input)),
});

export const billingRouter = router({
  overview: orgProcedure("billing:read")
    .input(z.object({ orgId: z.uuid() }))
    .query(({ ctx, input }) => getBillingOverview(ctx.db, input.orgId)),
  checkout: orgProcedure("billing:manage")
    .input(z.object({ orgId: z.uuid() }))
    .mutation(({ ctx, input }) => createCheckoutSession(ctx.db, ctx, input.orgId)),
  portal: orgProcedure("billing:manage")
    .input(z.object({ orgId: z.uuid() }))
    .mutation(({ ctx, input }) => createPortalSession(ctx.db, input.orgId)),
});
