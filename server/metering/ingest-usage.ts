// Writes usage events idempotently and rolls them up in the same statement: an event already seen (same key)
// changes nothing, so replays and retries are harmless, and a rollup always equals the sum of its events.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { MeterKey } from "@/db/schema";

export type UsageEvent = {
  /** Deterministic from the source (segment piece, gateway flush, …): the same fact always has the same key. */
  key: string;
  orgId: string;
  instanceId: string;
  meter: MeterKey;
  /** Start of the hour the usage belongs to. */
  hour: Date;
  quantityMicro: bigint;
  /** False for free plans: rolled up for the customer to see, never sent to Stripe. Default true. */
  billable?: boolean;
};

/**
 * Ingests a batch of events; returns how many were new. One statement: insert the events (skipping known keys),
 * add the new ones to the hourly rollups per instance and to the per-organization totals that exports read.
 * A late event for an hour that was already exported raises its total above what was exported: the exporter
 * then sends the difference as a correction.
 */
export async function ingestUsageEvents(db: DbOrTx, events: UsageEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  // Rollup rows are locked in a stable order so concurrent batches cannot deadlock.
  const result = await db.execute<{ n: number }>(sql`
    with input as (
      select * from unnest(
        ${sql.param(events.map((e) => e.key))}::text[],
        ${sql.param(events.map((e) => e.orgId))}::uuid[],
        ${sql.param(events.map((e) => e.instanceId))}::uuid[],
        ${sql.param(events.map((e) => e.meter))}::text[],
        ${sql.param(events.map((e) => e.hour.toISOString()))}::timestamptz[],
        ${sql.param(events.map((e) => e.quantityMicro.toString()))}::bigint[],
        ${sql.param(events.map((e) => e.billable !== false))}::boolean[]
      ) as t(key, org_id, instance_id, meter, hour, quantity_micro, billable)
    ),
    inserted as (
      insert into usage_events (key, org_id, instance_id, meter, hour, quantity_micro, billable)
      select distinct on (key) key, org_id, instance_id, meter, hour, quantity_micro, billable from input
      on conflict (key) do nothing
      returning org_id, instance_id, meter, hour, quantity_micro, billable
    ),
    per_instance as (
      select org_id, instance_id, meter, hour, sum(quantity_micro)::bigint as q from inserted
      group by 1, 2, 3, 4 order by 1, 2, 3, 4
    ),
    rolled as (
      insert into usage_rollups as r (org_id, instance_id, meter, hour, quantity_micro)
      select org_id, instance_id, meter, hour, q from per_instance
      on conflict (org_id, instance_id, meter, hour)
      do update set quantity_micro = r.quantity_micro + excluded.quantity_micro, updated_at = now()
      returning 1
    ),
    per_org as (
      select org_id, meter, hour, sum(quantity_micro)::bigint as q from inserted where billable group by 1, 2, 3 order by 1, 2, 3
    ),
    totals as (
      insert into usage_hour_totals as h (org_id, meter, hour, total_micro)
      select org_id, meter, hour, q from per_org
      on conflict (org_id, meter, hour)
      do update set total_micro = h.total_micro + excluded.total_micro, updated_at = now()
      returning 1
    )
    select (select count(*) from inserted)::int as n, (select count(*) from rolled) as r, (select count(*) from totals) as t
  `);
  return Number(result.rows[0]?.n ?? 0);
}
