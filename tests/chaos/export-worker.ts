// Child process for the export chaos test: runs export passes (plan + send) until nothing is due or pending, then
// exits 0. The test SIGKILLs it at random moments; env (DATABASE_URL, REDIS_PREFIX, STRIPE_*) comes from the test.
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { billingAccounts, billingExports, usageHourTotals } from "@/db/schema";
import { runExportPass } from "@/server/billing/export-pass";
import { closeRedis } from "@/server/redis/client";

const db = getDb();

async function outstanding(): Promise<{ pending: number; due: number }> {
  const [pending] = await db.select({ n: sql<number>`count(*)::int` }).from(billingExports).where(eq(billingExports.status, "pending"));
  const [due] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(usageHourTotals)
    .innerJoin(billingAccounts, and(eq(billingAccounts.orgId, usageHourTotals.orgId), isNotNull(billingAccounts.stripeCustomerId)))
    .where(sql`${usageHourTotals.totalMicro} > ${usageHourTotals.exportedMicro}`);
  return { pending: pending!.n, due: due!.n };
}

console.log("export worker ready");
for (;;) {
  const result = await runExportPass(db, { concurrency: 8 });
  console.log(`export pass ${JSON.stringify(result)}`);
  const left = await outstanding();
  if (left.pending === 0 && left.due === 0) break;
  if ("skipped" in result) await new Promise((r) => setTimeout(r, 250));
}
console.log("export worker done");
await closeDb();
await closeRedis();
process.exit(0);
