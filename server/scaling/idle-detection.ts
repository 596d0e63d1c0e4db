// Puts idle instances to sleep: scale-to-zero plans, not pinned awake, running, no run pending, and no request
// (or change) for their idle timeout (instance override, else the plan's, never under a minute).
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances, plans } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { MIN_IDLE_SECONDS, sleepInstance } from "./sleep-wake";

/** Instances idle at `now`, oldest activity first. */
export async function findIdleInstances(db: Db, now: Date = new Date(), limit = 200) {
  return db
    .select({ id: instances.id, orgId: instances.orgId })
    .from(instances)
    .innerJoin(plans, eq(plans.id, instances.planId))
    .where(
      and(
        eq(plans.scaleToZero, true),
        eq(instances.pinnedAwake, false),
        isNull(instances.deletedAt),
        eq(instances.desiredState, "running"),
        eq(instances.observedState, "running"),
        sql`greatest(coalesce(${instances.lastActivityAt}, ${instances.updatedAt}), ${instances.updatedAt})
            < ${now.toISOString()}::timestamptz - make_interval(secs => greatest(${MIN_IDLE_SECONDS}, coalesce(${instances.idleTimeoutSeconds}, ${plans.idleTimeoutSeconds})))`,
        sql`not exists (select 1 from workflow_runs r where r.subject_id = ${instances.id} and r.status in ('queued', 'running', 'paused', 'cancelling'))`,
      ),
    )
    .orderBy(sql`coalesce(${instances.lastActivityAt}, ${instances.updatedAt})`)
    .limit(limit);
}

/** Starts a sleep run for every idle instance; returns how many. */
export async function sleepIdleInstances(db: Db, now: Date = new Date()): Promise<number> {
  let started = 0;
  for (const { id, orgId } of await findIdleInstances(db, now)) {
    try {
      await sleepInstance(db, systemContext("idle detector"), orgId, id);
      started++;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      log.debug("scaling", "not put to sleep", { instance: id, reason: err.message });
    }
  }
  return started;
}
