// Turns segments into usage events: every finished hour of an open segment, and the rest of a closed one. Each
// piece (segment, hour) is final when emitted and keyed by both, so running this twice or concurrently is harmless.
import { and, asc, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { usageSegments } from "@/db/schema";
import { ingestUsageEvents, type UsageEvent } from "./ingest-usage";
import { hourStart, usagePieces } from "./usage-math";

/**
 * Meters up to `batch` segments with usage not yet turned into events, up to `now`; returns how many events were
 * new. Events and the segments' progress are written in one transaction.
 */
export async function meterSegments(db: Db, now: Date = new Date(), batch = 500): Promise<{ segments: number; events: number }> {
  const bound = new Date(hourStart(now.getTime()));
  return db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(usageSegments)
      .where(
        or(
          and(isNotNull(usageSegments.endedAt), lt(usageSegments.meteredUntil, usageSegments.endedAt)),
          and(isNull(usageSegments.endedAt), lt(usageSegments.meteredUntil, bound)),
        ),
      )
      .orderBy(asc(usageSegments.meteredUntil))
      .limit(batch)
      .for("update", { skipLocked: true });
    const events: UsageEvent[] = [];
    const progress: { id: string; until: Date }[] = [];
    for (const s of due) {
      const until = s.endedAt ?? bound;
      for (const p of usagePieces(s, s.meteredUntil.getTime(), until.getTime())) {
        events.push({ key: `seg:${s.id}:${p.hour.getTime() / 1000}:${p.meter}`, orgId: s.orgId, instanceId: s.instanceId, meter: p.meter, hour: p.hour, quantityMicro: p.quantityMicro, billable: s.billable });
      }
      progress.push({ id: s.id, until });
    }
    const added = await ingestUsageEvents(tx, events);
    if (progress.length > 0) {
      await tx.execute(sql`
        update usage_segments s set metered_until = p.until
        from unnest(${sql.param(progress.map((p) => p.id))}::uuid[], ${sql.param(progress.map((p) => p.until.toISOString()))}::timestamptz[]) as p(id, until)
        where s.id = p.id`);
    }
    return { segments: due.length, events: added };
  });
}
