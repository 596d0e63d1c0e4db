// Reading the audit log: newest first, filtered, paged by id (keyset) so deep pages stay fast.
import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { auditLog, organizations } from "@/db/schema";

export const auditFilterInput = z.object({
  /** Action prefix, e.g. "members" or "members.update_role". */
  action: z.string().trim().max(100).optional(),
  /** Part of the actor's email or key name. */
  actor: z.string().trim().max(200).optional(),
  targetType: z.string().trim().max(50).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The last id of the previous page. */
  cursor: z.number().int().positive().optional(),
});
export type AuditFilter = z.input<typeof auditFilterInput>;

/** One page of audit entries; `orgId` null means every organization (platform staff only). */
export async function listAuditEntries(db: Db, orgId: string | null, filter: z.output<typeof auditFilterInput>) {
  const where: (SQL | undefined)[] = [
    orgId ? eq(auditLog.orgId, orgId) : undefined,
    filter.action ? or(eq(auditLog.action, filter.action), ilike(auditLog.action, `${escapeLike(filter.action)}.%`)) : undefined,
    filter.actor ? ilike(auditLog.actorLabel, `%${escapeLike(filter.actor)}%`) : undefined,
    filter.targetType ? eq(auditLog.targetType, filter.targetType) : undefined,
    filter.from ? gte(auditLog.at, filter.from) : undefined,
    filter.to ? lte(auditLog.at, filter.to) : undefined,
    filter.cursor ? lt(auditLog.id, filter.cursor) : undefined,
  ];
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      orgId: auditLog.orgId,
      orgName: organizations.name,
      actorType: auditLog.actorType,
      actorLabel: auditLog.actorLabel,
      action: auditLog.action,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      ip: auditLog.ip,
      userAgent: auditLog.userAgent,
      details: auditLog.details,
    })
    .from(auditLog)
    .leftJoin(organizations, eq(organizations.id, auditLog.orgId))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  const items = hasMore ? rows.slice(0, filter.limit) : rows;
  return { items, nextCursor: hasMore ? items[items.length - 1]!.id : null };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
