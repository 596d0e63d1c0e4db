// Request counts from the gateway become usage events: each flush has an id, so a flush retried after a crash
// (same id) is counted once. Free-plan instances' requests are shown but not billed.
import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { instances, plans } from "@/db/schema";
import { ingestUsageEvents } from "./ingest-usage";
import { MICRO } from "./meters";
import { hourStart } from "./usage-math";

export type RequestCount = { instanceId: string; at: Date; requests: number };

/** Records one gateway flush (`flushId` unique per flush) and the instances' last activity; returns events added. */
export async function recordRequestUsage(db: Db, flushId: string, counts: RequestCount[]): Promise<number> {
  if (counts.length === 0) return 0;
  const ids = [...new Set(counts.map((c) => c.instanceId))];
  const rows = await db.select({ id: instances.id, orgId: instances.orgId, free: plans.free }).from(instances).innerJoin(plans, eq(plans.id, instances.planId)).where(inArray(instances.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const perHour = new Map<string, { instanceId: string; hour: number; requests: number }>();
  for (const c of counts) {
    const hour = hourStart(c.at.getTime());
    const key = `${c.instanceId}:${hour}`;
    const entry = perHour.get(key) ?? { instanceId: c.instanceId, hour, requests: 0 };
    entry.requests += c.requests;
    perHour.set(key, entry);
  }
  const events = [...perHour.values()].flatMap((e) => {
    const inst = byId.get(e.instanceId);
    if (!inst || e.requests <= 0) return [];
    return [{ key: `req:${flushId}:${e.instanceId}:${e.hour / 1000}`, orgId: inst.orgId, instanceId: e.instanceId, meter: "requests" as const, hour: new Date(e.hour), quantityMicro: BigInt(e.requests) * MICRO, billable: !inst.free }];
  });
  return db.transaction(async (tx) => {
    const added = await ingestUsageEvents(tx, events);
    const latest = new Map<string, Date>();
    for (const c of counts) if (!latest.has(c.instanceId) || latest.get(c.instanceId)! < c.at) latest.set(c.instanceId, c.at);
    for (const [id, at] of latest) {
      await tx.update(instances).set({ lastActivityAt: sql`greatest(${instances.lastActivityAt}, ${at.toISOString()}::timestamptz)` }).where(eq(instances.id, id));
    }
    return added;
  });
}
