// Fleet rollouts: a service version released to many instances in waves by one workflow run (fleet-rollout), with
// operators' pause, resume (optionally onto a fixed version), abort and rollback. Each instance's upgrade is its
// own run (instance-upgrade); rollout_targets records where each instance stands.
import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db/client";
import { clusters, instances, rollouts, rolloutTargets, serviceVersions, services, workflowRuns, type RolloutStatus } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import { actorLabel, type ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { cancelRun, createRun, pauseRun, resumeRun } from "@/server/workflows/runs";
import { inTransaction } from "@/server/workflows/transitions";
import { splitIntoWaves, wavePlanInput } from "./wave-plan";
import { ROLLOUT_WORKFLOWS } from "./workflow-names";
// Runs are created here, so their definitions must be registered in this process too (the portal, not only workers).
import "./workflows";

/** Rollouts that hold their service: a second one waits until this one ends. */
export const LIVE_ROLLOUT: RolloutStatus[] = ["scheduled", "running", "paused", "rolling_back"];

const ids = z.array(z.uuid()).max(500).optional();

export const createRolloutInput = z.object({
  versionId: z.uuid(),
  target: z.object({ planIds: ids, orgIds: ids, clusterIds: ids, regions: z.array(z.string().trim().min(1).max(40)).max(50).optional() }).default({}),
  waves: wavePlanInput.default({ canary: { count: 1 }, percents: [25, 50, 100] }),
  soakSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(300),
  maxParallel: z.number().int().min(1).max(500).default(50),
  failureThreshold: z
    .object({ count: z.number().int().min(1).optional(), percent: z.number().gt(0).max(100).optional() })
    .refine((t) => t.count !== undefined || t.percent !== undefined, "set a count or a percentage")
    .default({ count: 1 }),
  respectMaintenanceWindows: z.boolean().default(true),
  startsAt: z.coerce.date().optional(),
});

/** Creates a rollout of a published version over the instances that match its target, and starts its run. */
export async function createRollout(db: Db, ctx: ActorContext, input: z.input<typeof createRolloutInput>) {
  const parsed = createRolloutInput.parse(input);
  const now = new Date();
  if (parsed.startsAt && parsed.startsAt.getTime() < now.getTime() - 60_000) throw new DomainError("BAD_REQUEST", "startsAt: is in the past", { field: "startsAt" });
  const startsAt = parsed.startsAt && parsed.startsAt > now ? parsed.startsAt : now;
  return inTransaction(db, async (tx, due) => {
    const [version] = await tx.select().from(serviceVersions).where(eq(serviceVersions.id, parsed.versionId));
    if (!version) throw new DomainError("NOT_FOUND", "Version not found", { field: "versionId" });
    // One rollout per service at a time: two would race to set different versions on the same instances.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"rollouts:" + version.serviceId}))`);
    const [live] = await tx.select({ id: rollouts.id }).from(rollouts).where(and(eq(rollouts.serviceId, version.serviceId), inArray(rollouts.status, LIVE_ROLLOUT)));
    if (live) throw new DomainError("CONFLICT", "Another rollout of this service is under way; wait for it to end or abort it");
    const t = parsed.target;
    const where = and(
      eq(instances.serviceId, version.serviceId),
      isNull(instances.deletedAt),
      ne(instances.desiredState, "deleted"),
      ne(instances.versionId, version.id),
      t.planIds?.length ? inArray(instances.planId, t.planIds) : undefined,
      t.orgIds?.length ? inArray(instances.orgId, t.orgIds) : undefined,
      t.clusterIds?.length ? inArray(instances.clusterId, t.clusterIds) : undefined,
      // An instance's region is where its cluster is (it may have asked for none).
      t.regions?.length ? sql`exists (select 1 from ${clusters} c where c.id = ${instances.clusterId} and c.region in ${t.regions})` : undefined,
    );
    const [{ n } = { n: 0 }] = await tx.select({ n: sql<number>`count(*)::int` }).from(instances).where(where);
    if (n === 0) throw new DomainError("PRECONDITION_FAILED", `No instance to upgrade: every instance that matches already runs ${version.version}, or none matches`);
    const sizes = splitIntoWaves(n, parsed.waves);
    const cumulative = sizes.map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const id = crypto.randomUUID();
    await tx.insert(rollouts).values({
      id,
      serviceId: version.serviceId,
      toVersionId: version.id,
      firstVersionId: version.id,
      status: startsAt > now ? "scheduled" : "running",
      target: t,
      wavePlan: parsed.waves,
      waveCount: sizes.length,
      soakSeconds: parsed.soakSeconds,
      maxParallel: parsed.maxParallel,
      failureThreshold: parsed.failureThreshold,
      respectMaintenanceWindows: parsed.respectMaintenanceWindows,
      startsAt,
      targetCount: n,
      createdBy: actorLabel(ctx.actor),
    });
    // Targets in a stable shuffled order (spread over organizations and clusters), cut into the waves.
    await tx.execute(sql`
      insert into ${rolloutTargets} (rollout_id, instance_id, org_id, wave, position, from_version_id)
      select ${id}, t.id, t.org_id, (select min(c.i) from unnest(array[${sql.join(cumulative.map((c) => sql`${c}::int`), sql`, `)}]) with ordinality as c(v, i) where t.pos <= c.v), t.pos, t.version_id
      from (select ${instances.id} as id, ${instances.orgId} as org_id, ${instances.versionId} as version_id, row_number() over (order by md5(${instances.id}::text || ${id})) as pos from ${instances} where ${where}) t`);
    const run = await createRun(tx, due, ctx, { type: ROLLOUT_WORKFLOWS.rollout, subjectType: "rollout", subjectId: id, orgId: null, input: { rolloutId: id, waveCount: sizes.length } }, { newSubject: true });
    await tx.update(rollouts).set({ runId: run.id }).where(eq(rollouts.id, id));
    await recordAudit(tx, ctx, { orgId: null, action: "rollouts.create", targetType: "rollout", targetId: id, details: { version: version.version, targets: n, waves: sizes } });
    return { id, runId: run.id, targetCount: n, waves: sizes };
  });
}

async function lockRollout(tx: Tx, rolloutId: string) {
  const [row] = await tx.select().from(rollouts).where(eq(rollouts.id, rolloutId)).for("update");
  if (!row) throw new DomainError("NOT_FOUND", "Rollout not found");
  return row;
}

/** Pauses a rollout: no new upgrade starts; the ones under way finish. */
export async function pauseRollout(db: Db, ctx: ActorContext, rolloutId: string) {
  const row = await db.transaction(async (tx) => {
    const r = await lockRollout(tx, rolloutId);
    if (r.status !== "running" && r.status !== "scheduled") throw new DomainError("PRECONDITION_FAILED", `A ${r.status.replace("_", " ")} rollout cannot be paused`);
    const reason = `paused by ${actorLabel(ctx.actor)}`;
    await tx.update(rollouts).set({ status: "paused", pauseReason: reason, updatedAt: new Date() }).where(eq(rollouts.id, rolloutId));
    await recordAudit(tx, ctx, { orgId: null, action: "rollouts.pause", targetType: "rollout", targetId: rolloutId });
    return r;
  });
  if (row.runId) await pauseRun(db, ctx, row.runId).catch(ignoreEnded);
}

export const resumeRolloutInput = z.object({ rolloutId: z.uuid(), versionId: z.uuid().optional() });

/**
 * Resumes a paused rollout. With `versionId` (a fixed version of the same service) the rollout goes on with it:
 * instances whose upgrade failed, and those already on the version it replaces, are upgraded again to it, and the
 * failure count starts afresh. Without, the failures so far are taken as seen and only new ones count.
 */
export async function resumeRollout(db: Db, ctx: ActorContext, input: z.infer<typeof resumeRolloutInput>) {
  const row = await db.transaction(async (tx) => {
    const r = await lockRollout(tx, input.rolloutId);
    if (r.status !== "paused") throw new DomainError("PRECONDITION_FAILED", `Only a paused rollout can be resumed; this one is ${r.status.replace("_", " ")}`);
    let details: Record<string, unknown> = {};
    if (input.versionId && input.versionId !== r.toVersionId) {
      const [v] = await tx.select().from(serviceVersions).where(eq(serviceVersions.id, input.versionId));
      if (!v || v.serviceId !== r.serviceId) throw new DomainError("NOT_FOUND", "This version is not a version of the rollout's service", { field: "versionId" });
      await tx
        .update(rolloutTargets)
        .set({ status: "pending", detail: `to ${v.version} instead`, runId: null, startedAt: null, finishedAt: null, updatedAt: new Date() })
        .where(and(eq(rolloutTargets.rolloutId, r.id), inArray(rolloutTargets.status, ["failed", "done"])));
      await tx.update(rollouts).set({ toVersionId: v.id, failuresAcknowledged: 0 }).where(eq(rollouts.id, r.id));
      details = { version: v.version };
    } else {
      const [{ failed } = { failed: 0 }] = await tx.select({ failed: sql<number>`count(*)::int` }).from(rolloutTargets).where(and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.status, "failed")));
      await tx.update(rollouts).set({ failuresAcknowledged: failed }).where(eq(rollouts.id, r.id));
    }
    await tx.update(rollouts).set({ status: r.startsAt > new Date() ? "scheduled" : "running", pauseReason: null, updatedAt: new Date() }).where(eq(rollouts.id, r.id));
    await recordAudit(tx, ctx, { orgId: null, action: "rollouts.resume", targetType: "rollout", targetId: r.id, details });
    return r;
  });
  if (row.runId) await resumeRun(db, ctx, row.runId).catch(ignoreEnded);
}

/** A run that already moved on (resumed, ended) needs nothing more: the rollout row is what counts. */
function ignoreEnded(err: unknown): void {
  if (err instanceof DomainError && err.code === "PRECONDITION_FAILED") return;
  throw err;
}

/**
 * Stops a rollout for good: nothing new starts, upgrades under way are cancelled and undone (their instances go
 * back to the version they ran), instances already upgraded keep the new version.
 */
export async function abortRollout(db: Db, ctx: ActorContext, rolloutId: string, opts: { forRollback?: boolean } = {}) {
  const { row, inFlight } = await db.transaction(async (tx) => {
    const r = await lockRollout(tx, rolloutId);
    if (!LIVE_ROLLOUT.includes(r.status) || r.status === "rolling_back") throw new DomainError("PRECONDITION_FAILED", `A ${r.status.replace("_", " ")} rollout cannot be aborted`);
    await tx.update(rollouts).set({ status: opts.forRollback ? "rolling_back" : "aborted", pauseReason: null, finishedAt: opts.forRollback ? null : new Date(), updatedAt: new Date() }).where(eq(rollouts.id, r.id));
    await tx
      .update(rolloutTargets)
      .set({ status: "skipped", detail: "the rollout was aborted before this instance's turn", updatedAt: new Date() })
      .where(and(eq(rolloutTargets.rolloutId, r.id), inArray(rolloutTargets.status, ["pending", "scheduled", "deferred"])));
    const running = await tx.select({ runId: rolloutTargets.runId }).from(rolloutTargets).where(and(eq(rolloutTargets.rolloutId, r.id), eq(rolloutTargets.status, "in_progress")));
    if (!opts.forRollback) await recordAudit(tx, ctx, { orgId: null, action: "rollouts.abort", targetType: "rollout", targetId: r.id });
    return { row: r, inFlight: running.map((x) => x.runId).filter((x): x is string => !!x) };
  });
  // Each cancel undoes its upgrade by the run's compensation; the rollout run stops (its step never started anything).
  for (const runId of inFlight) await cancelRun(db, ctx, runId).catch(ignoreEnded);
  if (row.runId) await cancelRun(db, ctx, row.runId).catch(ignoreEnded);
}

/**
 * Rolls the rollout back: stops it if still going (as abort does), then returns every instance it upgraded to the
 * version that instance ran before, by a rollback run (fleet-rollback) that upgrades them back wave by wave.
 */
export async function rollbackRollout(db: Db, ctx: ActorContext, rolloutId: string) {
  const [r] = await db.select().from(rollouts).where(eq(rollouts.id, rolloutId));
  if (!r) throw new DomainError("NOT_FOUND", "Rollout not found");
  if (r.status === "rolling_back" || r.status === "rolled_back") throw new DomainError("PRECONDITION_FAILED", "This rollout is already rolled back");
  if (LIVE_ROLLOUT.includes(r.status)) await abortRollout(db, ctx, rolloutId, { forRollback: true });
  return inTransaction(db, async (tx, due) => {
    const row = await lockRollout(tx, rolloutId);
    await tx.update(rollouts).set({ status: "rolling_back", finishedAt: null, updatedAt: new Date() }).where(eq(rollouts.id, rolloutId));
    // Queued behind the rollout run while that one is still being cancelled (one active run per subject).
    const run = await createRun(tx, due, ctx, { type: ROLLOUT_WORKFLOWS.rollback, subjectType: "rollout", subjectId: rolloutId, orgId: null, input: { rolloutId } });
    await tx.update(rollouts).set({ runId: run.id }).where(eq(rollouts.id, row.id));
    await recordAudit(tx, ctx, { orgId: null, action: "rollouts.rollback", targetType: "rollout", targetId: rolloutId });
    return { runId: run.id };
  });
}

export const rolloutFilterInput = z.object({ serviceId: z.uuid().optional(), status: z.enum(["scheduled", "running", "paused", "completed", "aborted", "rolling_back", "rolled_back", "failed"]).optional() });

const COUNT_COLUMNS = sql<Record<string, number>>`(select coalesce(json_object_agg(s.status, s.n), '{}'::json) from (select status, count(*)::int as n from ${rolloutTargets} t where t.rollout_id = ${rollouts.id} group by status) s)`;

/** Rollouts, newest first, with their version, service and per-status counts. */
export async function listRollouts(db: Db, filter: z.infer<typeof rolloutFilterInput>) {
  return db
    .select({ rollout: rollouts, service: { id: services.id, name: services.name, slug: services.slug }, version: serviceVersions.version, counts: COUNT_COLUMNS })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, rollouts.toVersionId))
    .where(and(filter.serviceId ? eq(rollouts.serviceId, filter.serviceId) : undefined, filter.status ? eq(rollouts.status, filter.status) : undefined))
    .orderBy(sql`${rollouts.createdAt} desc`)
    .limit(200);
}

/** One rollout: its waves with per-status counts, every target (instance, organization, versions, run) and its runs. */
export async function getRollout(db: Db, rolloutId: string) {
  const [head] = await db
    .select({ rollout: rollouts, service: { id: services.id, name: services.name, slug: services.slug, kind: services.kind }, version: serviceVersions, counts: COUNT_COLUMNS })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, rollouts.toVersionId))
    .where(eq(rollouts.id, rolloutId));
  if (!head) throw new DomainError("NOT_FOUND", "Rollout not found");
  const targets = await db.execute<{
    instance_id: string; name: string; org_id: string; org_name: string; cluster: string | null; wave: number; position: number; status: string; detail: string | null;
    from_version: string; current_version: string; run_id: string | null; run_status: string | null; scheduled_for: string | null; started_at: string | null; finished_at: string | null; upgrade_ms: number | null;
  }>(sql`
    select t.instance_id, i.name, t.org_id, o.name as org_name, c.name as cluster, t.wave, t.position, t.status, t.detail,
      fv.version as from_version, cv.version as current_version, t.run_id, r.status as run_status, t.scheduled_for, t.started_at, t.finished_at, t.upgrade_ms
    from rollout_targets t
    join instances i on i.id = t.instance_id
    join organizations o on o.id = t.org_id
    left join clusters c on c.id = i.cluster_id
    join service_versions fv on fv.id = t.from_version_id
    join service_versions cv on cv.id = i.version_id
    left join workflow_runs r on r.id = t.run_id
    where t.rollout_id = ${rolloutId}
    order by t.wave, t.position`);
  const waves = Array.from({ length: head.rollout.waveCount }, (_, i) => {
    const rows = targets.rows.filter((t) => t.wave === i + 1);
    const counts: Record<string, number> = {};
    for (const t of rows) counts[t.status] = (counts[t.status] ?? 0) + 1;
    return { wave: i + 1, size: rows.length, counts };
  });
  const runs = await db
    .select({ id: workflowRuns.id, type: workflowRuns.type, status: workflowRuns.status, createdAt: workflowRuns.createdAt, finishedAt: workflowRuns.finishedAt })
    .from(workflowRuns)
    .where(and(eq(workflowRuns.subjectId, rolloutId), eq(workflowRuns.subjectType, "rollout")))
    .orderBy(workflowRuns.seq);
  return { ...head, waves, targets: targets.rows, runs };
}
