// Request counts from the gateway become usage events, and request times become instances' last activity. Each
// flush has an id, so a flush processed again after a crash (same id) is counted once. Free plans: not billed.
import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances, plans } from "@/db/schema";
import { ingestUsageEvents } from "./ingest-usage";
import { MICRO } from "./meters";
import { hourStart } from "./usage-math";

export type RequestCount = { instanceId: string; hour: Date; requests: number };

/** Records one flush of request counts (`flushId` unique per flush); returns how many events were new. */
export async function recordRequestUsage(db: Db, flushId: string, counts: RequestCount[]): Promise<number> {
  const positive = counts.filter((c) => c.requests > 0);
  if (positive.length === 0) return 0;
  const ids = [...new Set(positive.map((c) => c.instanceId))];
  const rows = await db.select({ id: instances.id, orgId: instances.orgId, free: plans.free }).from(instances).innerJoin(plans, eq(plans.id, instances.planId)).where(inArray(instances.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const perHour = new Map<string, RequestCount>();
  for (const c of positive) {
    const hour = new Date(hourStart(c.hour.getTime()));
    const key = `${c.instanceId}:${hour.getTime() / 1000}`;
    const entry = perHour.get(key) ?? { instanceId: c.instanceId, hour, requests: 0 };
    entry.requests += c.requests;
    perHour.set(key, entry);
  }
  const events = [...perHour.entries()].flatMap(([key, e]) => {
    const inst = byId.get(e.instanceId);
    if (!inst) return []; // deleted meanwhile: nothing to bill it to
    return [{ key: `req:${flushId}:${key}`, orgId: inst.orgId, instanceId: e.instanceId, meter: "requests" as const, hour: e.hour, quantityMicro: BigInt(e.requests) * MICRO, billable: !inst.free }];
  });
  return ingestUsageEvents(db, events);
}

/** Moves instances' last activity forward (never back) to the given request times. */
export async function recordActivity(db: Db, lastRequestAt: Map<string, Date>): Promise<void> {
  if (lastRequestAt.size === 0) return;
  const ids = [...lastRequestAt.keys()];
  await db.execute(sql`
    update instances i set last_activity_at = greatest(i.last_activity_at, a.at)
    from unnest(${sql.param(ids)}::uuid[], ${sql.param(ids.map((id) => lastRequestAt.get(id)!.toISOString()))}::timestamptz[]) as a(id, at)
    where i.id = a.id`);
}
