// Reading runs and their steps: per organization for customers, fleet-wide for platform staff.
import { and, asc, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { runStatuses, workflowRuns, workflowSteps, workflowTypeSettings } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";
import { getWorkflow, listWorkflowTypes } from "./registry";

export const runFilterInput = z.object({
  type: z.string().max(60).optional(),
  status: z.array(z.enum(runStatuses)).max(7).optional(),
  subjectId: z.uuid().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The `seq` of the last run of the previous page. */
  cursor: z.number().int().positive().optional(),
});

export async function listRuns(db: DbOrTx, orgId: string | null, filter: z.output<typeof runFilterInput>) {
  const where: (SQL | undefined)[] = [
    orgId ? eq(workflowRuns.orgId, orgId) : undefined,
    filter.type ? eq(workflowRuns.type, filter.type) : undefined,
    filter.status?.length ? inArray(workflowRuns.status, filter.status) : undefined,
    filter.subjectId ? eq(workflowRuns.subjectId, filter.subjectId) : undefined,
    filter.cursor ? lt(workflowRuns.seq, filter.cursor) : undefined,
  ];
  const rows = await db.select().from(workflowRuns).where(and(...where)).orderBy(desc(workflowRuns.seq)).limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  const items = (hasMore ? rows.slice(0, filter.limit) : rows).map((r) => ({ ...r, title: titleOf(r.type) }));
  return { items, nextCursor: hasMore ? items[items.length - 1]!.seq : null };
}

/** A workflow type's human title ("Provision instance"), or the type itself for types this process does not know. */
export function titleOf(type: string): string {
  try {
    return getWorkflow(type).title;
  } catch {
    return type;
  }
}

/** A run with its steps in order; `orgId` (when given) must own it, else NOT_FOUND. */
export async function getRun(db: DbOrTx, runId: string, orgId?: string | null) {
  const [run] = await db.select().from(workflowRuns).where(eq(workflowRuns.id, runId));
  if (!run || (orgId !== undefined && run.orgId !== orgId)) throw new DomainError("NOT_FOUND", "Workflow run not found");
  const steps = await db.select().from(workflowSteps).where(eq(workflowSteps.runId, runId)).orderBy(asc(workflowSteps.index));
  return { ...run, title: titleOf(run.type), steps };
}

/** Every workflow type with whether new runs are held. */
export async function listWorkflowTypesWithSettings(db: DbOrTx) {
  const settings = await db.select().from(workflowTypeSettings);
  return listWorkflowTypes().map((t) => ({ ...t, held: settings.find((s) => s.type === t.type)?.pauseNewRuns ?? false }));
}
