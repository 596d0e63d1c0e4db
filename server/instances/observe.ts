// Writes what workers observed about an instance (state, replicas, endpoint, message), and keeps its usage
// segment in step in the same transaction, so what is billed always matches what was observed.
import { eq, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Db, DbOrTx } from "@/db/client";
import { instances, type ObservedState } from "@/db/schema";
import { COMPUTE_STATES, recordUsageState, recordUsageStateOf, STORAGE_STATES } from "@/server/metering/usage-segments";
import { queryNamed } from "@/server/workflows/named-query";
import { publishInstanceChange } from "./instance-events";

export type ObservedChanges = {
  observedState?: ObservedState;
  /** "desired": the instance's desired replicas, read in the same statement. */
  observedReplicas?: number | "desired";
  statusMessage?: string | null;
  endpointHost?: string | null;
  endpointPort?: number | null;
  clusterId?: string | null;
  deletedAt?: Date;
  desiredState?: "deleted";
};

const COLUMNS: Record<keyof ObservedChanges, [column: string, code: string]> = {
  observedState: ["observed_state", "s"],
  observedReplicas: ["observed_replicas", "r"],
  statusMessage: ["status_message", "m"],
  endpointHost: ["endpoint_host", "h"],
  endpointPort: ["endpoint_port", "p"],
  clusterId: ["cluster_id", "c"],
  deletedAt: ["deleted_at", "d"],
  desiredState: ["desired_state", "w"],
};

// billableShape's state lists, for SQL.
const STORAGE_STATES_SQL = STORAGE_STATES.map((s) => `'${s}'`).join(", ");
const COMPUTE_STATES_SQL = COMPUTE_STATES.map((s) => `'${s}'`).join(", ");

/** The SET list for `changes` ($1 is the instance id, then the values, then updated_at) and a name for its shape. */
function setList(changes: ObservedChanges, prefix: string) {
  const values: unknown[] = [];
  const parts: string[] = [];
  let code = "";
  for (const key of Object.keys(COLUMNS) as (keyof ObservedChanges)[]) {
    const value = changes[key];
    if (value === undefined) continue;
    const [column, c] = COLUMNS[key];
    if (value === "desired") {
      parts.push(`${column} = ${prefix}desired_replicas`);
      code += `${c}d`;
    } else {
      values.push(value);
      parts.push(`${column} = $${values.length + 1}`);
      code += c;
    }
  }
  values.push(new Date());
  parts.push(`updated_at = $${values.length + 1}`);
  return { set: parts.join(", "), values, code };
}

function drizzleChanges(changes: ObservedChanges) {
  const { observedReplicas, ...rest } = changes;
  return { ...rest, ...(observedReplicas === undefined ? {} : { observedReplicas: observedReplicas === "desired" ? sql`${instances.desiredReplicas}` : observedReplicas }), updatedAt: new Date() };
}

type UpdatedRow = {
  org_id: string;
  observed_state: ObservedState;
  observed_replicas: number;
  deleted_at: Date | null;
  plan_id: string;
  cpu_millis: number;
  memory_mb: number;
  storage_gb: number;
  free: boolean;
  billed_before: boolean;
  open_seen: boolean;
  opened: boolean;
};

/**
 * Records what was observed about an instance. A change of state, replicas or deletion keeps the usage segment in
 * step in the same transaction (the caller's, when given one: a run's onFinish), in as few statements as it can.
 */
export async function setObserved(db: Db, instanceId: string, changes: ObservedChanges): Promise<void> {
  const inTx = db instanceof PgTransaction;
  // What is billed follows the observed state, replicas and deletion only (billableShape): an endpoint or a
  // message alone cannot change it, so it needs no usage check (one plain update).
  if (changes.observedState === undefined && changes.observedReplicas === undefined && changes.deletedAt === undefined) {
    const { set, values, code } = setList(changes, "");
    await queryNamed(db, `obs_plain_${code}`, `update instances set ${set} where id = $1`, [instanceId, ...values]);
    if (!inTx) await publishInstanceChange(instanceId);
    return;
  }
  // A new state that bills nothing, over an old one that billed nothing with no segment open (pending →
  // provisioning, say): nothing to record, so one conditional statement and no transaction. The old state is
  // checked on the row as locked (the latest); a segment is only ever opened under that lock while the state bills.
  const billsNothingAfter = changes.deletedAt !== undefined || (changes.observedState !== undefined && !STORAGE_STATES.includes(changes.observedState));
  if (!inTx && billsNothingAfter) {
    const { set, values, code } = setList(changes, "");
    const rows = await queryNamed(
      db,
      `obs_quiet_${code}`,
      `update instances set ${set}
       where id = $1 and (deleted_at is not null or observed_state not in (${STORAGE_STATES_SQL}))
         and not exists (select 1 from usage_segments where instance_id = $1 and ended_at is null)
       returning id`,
      [instanceId, ...values],
    );
    if (rows.length) {
      await publishInstanceChange(instanceId);
      return;
    }
  }
  const write = async (tx: DbOrTx) => {
    const at = new Date();
    // One statement locks and changes the row and returns what billing needs: the new values, whether the old ones
    // (as locked: the latest) billed anything, the plan, and whether a segment was open as of the statement's start.
    // When nothing was billed before and no segment was open, the segment the new state bills (if any) is opened by
    // the same statement (billableShape in SQL; the open-segment unique index rejects a second open one).
    const { set, values, code } = setList(changes, "i.");
    const at$ = `$${values.length + 2}`;
    const [r] = await queryNamed<UpdatedRow>(
      tx,
      `obs_bill_${code}`,
      `with u as (
         update instances i set ${set}
         from plans p, (select observed_state, observed_replicas, deleted_at from instances where id = $1 for update) o
         where i.id = $1 and p.id = i.plan_id
         returning i.org_id, i.observed_state, i.observed_replicas, i.deleted_at,
           p.id as plan_id, p.cpu_millis, p.memory_mb, p.storage_gb, p.free,
           case when i.deleted_at is null and i.observed_state in (${COMPUTE_STATES_SQL}) then i.observed_replicas else 0 end as seg_replicas,
           case when i.deleted_at is null and i.observed_state in (${STORAGE_STATES_SQL}) then p.storage_gb else 0 end as seg_storage_gb,
           o.deleted_at is null and ((o.observed_state in (${COMPUTE_STATES_SQL}) and o.observed_replicas > 0) or (o.observed_state in (${STORAGE_STATES_SQL}) and p.storage_gb > 0)) as billed_before,
           exists (select 1 from usage_segments s where s.instance_id = $1 and s.ended_at is null) as open_seen
       ), opened as (
         insert into usage_segments (org_id, instance_id, plan_id, replicas, cpu_millis, memory_mb, storage_gb, billable, started_at, metered_until)
         select org_id, $1, plan_id, seg_replicas, cpu_millis, memory_mb, seg_storage_gb, not free, ${at$}, ${at$} from u
         where not billed_before and not open_seen and (seg_replicas > 0 or seg_storage_gb > 0)
         returning id
       )
       select u.*, exists (select 1 from opened) as opened from u`,
      [instanceId, ...values, at],
    );
    if (!r) {
      // No such instance, or its plan changed while this waited for the row: the plain way.
      await tx.update(instances).set(drizzleChanges(changes)).where(eq(instances.id, instanceId));
      await recordUsageState(tx, instanceId, at);
      return;
    }
    if (r.opened) return;
    const plan = { id: r.plan_id, cpuMillis: r.cpu_millis, memoryMb: r.memory_mb, storageGb: r.storage_gb, free: r.free };
    const instance = { orgId: r.org_id, observedState: r.observed_state, observedReplicas: r.observed_replicas, deletedAt: r.deleted_at };
    await recordUsageStateOf(tx, instanceId, instance, plan, at, { noneOpen: !r.billed_before && !r.open_seen });
  };
  // Called inside a transaction already (a run's onFinish): that one makes both writes atomic, no savepoint needed,
  // and the change is announced after it commits (instance workflows announce every finished run).
  if (inTx) return write(db);
  await db.transaction(write);
  await publishInstanceChange(instanceId);
}
