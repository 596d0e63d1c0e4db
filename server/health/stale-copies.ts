// Stale copies: what a failover leaves on the cluster that did not answer. One removal run per copy.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { workflowRuns } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { createRun } from "@/server/workflows/runs";
import { inTransaction } from "@/server/workflows/transitions";
import { STALE_COPY_REMOVAL } from "./workflows";

export async function scheduleStaleCopyRemoval(db: Db, copy: { clusterId: string; namespace: string; instanceId: string; orgId: string }): Promise<void> {
  await inTransaction(db, async (tx, due) => {
    // A retried step asks again: one run per copy is enough.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`stale:${copy.clusterId}:${copy.namespace}`}))`);
    const [existing] = await tx
      .select({ id: workflowRuns.id })
      .from(workflowRuns)
      .where(and(eq(workflowRuns.type, STALE_COPY_REMOVAL), sql`${workflowRuns.input}->>'clusterId' = ${copy.clusterId}`, sql`${workflowRuns.input}->>'namespace' = ${copy.namespace}`));
    if (existing) return;
    await createRun(tx, due, systemContext("recovery"), {
      type: STALE_COPY_REMOVAL,
      subjectType: "stale-copy",
      subjectId: crypto.randomUUID(),
      orgId: copy.orgId,
      input: { clusterId: copy.clusterId, namespace: copy.namespace, instanceId: copy.instanceId },
    }, { newSubject: true });
  });
}
