// The audit log: per organization for its admins, across all organizations for platform staff.
import { z } from "zod";
import { auditFilterInput, listAuditEntries } from "@/server/audit/list-audit";
import { orgProcedure, platformProcedure, router } from "../trpc";

export const auditRouter = router({
  list: orgProcedure("audit:read")
    .input(auditFilterInput.extend({ orgId: z.uuid() }))
    .query(({ ctx, input }) => listAuditEntries(ctx.db, input.orgId, input)),
  listAll: platformProcedure("platform_audit:read")
    .input(auditFilterInput.extend({ orgId: z.uuid().optional() }))
    .query(({ ctx, input }) => listAuditEntries(ctx.db, input.orgId ?? null, input)),
});
