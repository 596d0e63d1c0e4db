// Writes one audit row; callers pass their transaction so the row commits or rolls back with the change.
import { auditLog } from "@/db/schema";
import type { DbOrTx } from "@/db/client";
import { actorId, actorLabel, type ActorContext } from "@/server/auth/actor";

export type AuditEntry = {
  orgId: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
};

/** Records a mutation in the audit log inside the caller's transaction. */
export async function recordAudit(tx: DbOrTx, ctx: ActorContext, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    orgId: entry.orgId,
    actorType: ctx.actor.kind,
    actorId: actorId(ctx.actor),
    actorLabel: actorLabel(ctx.actor),
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    ip: ctx.request.ip,
    userAgent: ctx.request.userAgent?.slice(0, 512) ?? null,
    requestId: ctx.request.requestId,
    details: entry.details ?? null,
  });
}
