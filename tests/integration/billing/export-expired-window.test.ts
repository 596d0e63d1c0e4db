// Export rows that leave Stripe's 35-day window before they are sent (an exporter backlog or outage, or Stripe's
// clock ahead of ours) are marked expired instead of failing forever and holding back the later hours of their
// customer and meter. (Belongs with tests/integration/billing; kept here next to the export chaos test.)
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { billingExports } from "@/db/schema";
import { ensureStripeCustomer } from "@/server/billing/billing-accounts";
import { planExports, sendPendingExports } from "@/server/billing/export-usage";
import { syncStripeCatalog } from "@/server/billing/stripe-catalog";
import { ingestUsageEvents } from "@/server/metering/ingest-usage";
import { signUpWithOrg } from "../../helpers/callers";
import { startTestStripe, type TestStripe } from "../../helpers/stripe";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
let stripe: TestStripe;

beforeAll(async () => {
  stripe = await startTestStripe({ webhooks: false });
  await syncStripeCatalog(getDb());
}, 60_000);

afterAll(async () => {
  await stripe?.stop();
});

async function exportStatuses(orgId: string): Promise<Map<number, string>> {
  const rows = await getDb().select({ hour: billingExports.hour, status: billingExports.status }).from(billingExports).where(eq(billingExports.orgId, orgId));
  return new Map(rows.map((r) => [r.hour.getTime(), r.status]));
}

describe("exports past Stripe's 35-day window", () => {
  it("expires a row planned inside the window but sent after it, and still sends the later hours", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Backlog Co");
    await ensureStripeCustomer(db, orgId);
    const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const old = new Date(now - 35 * DAY_MS - HOUR_MS);
    const recent = new Date(now - 5 * HOUR_MS);
    const instanceId = randomUUID();
    await ingestUsageEvents(db, [
      { key: `old:${orgId}`, orgId, instanceId, meter: "requests", hour: old, quantityMicro: 5_000_000n },
      { key: `recent:${orgId}`, orgId, instanceId, meter: "requests", hour: recent, quantityMicro: 7_000_000n },
    ]);
    // Planned two hours ago, when the old hour was still inside the window.
    expect(await planExports(db, new Date(Date.now() - 2 * HOUR_MS))).toBe(2);
    expect(await sendPendingExports(db, { maxAttempts: 1 })).toEqual({ sent: 1, failed: 0 });
    expect(await exportStatuses(orgId)).toEqual(new Map([[old.getTime(), "expired"], [recent.getTime(), "sent"]]));
  });

  it("expires a row Stripe rejects as too old by its own clock, and still sends the later hours", async () => {
    const db = getDb();
    const { orgId } = await signUpWithOrg("Skewed Co");
    await ensureStripeCustomer(db, orgId);
    const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const old = new Date(now - 34 * DAY_MS);
    const recent = new Date(now - 5 * HOUR_MS);
    const instanceId = randomUUID();
    await ingestUsageEvents(db, [
      { key: `old:${orgId}`, orgId, instanceId, meter: "requests", hour: old, quantityMicro: 5_000_000n },
      { key: `recent:${orgId}`, orgId, instanceId, meter: "requests", hour: recent, quantityMicro: 7_000_000n },
    ]);
    expect(await planExports(db)).toBe(2);
    await stripe.emulator.admin.advanceClock(2 * 86_400);
    expect(await sendPendingExports(db, { maxAttempts: 1 })).toEqual({ sent: 1, failed: 0 });
    expect(await exportStatuses(orgId)).toEqual(new Map([[old.getTime(), "expired"], [recent.getTime(), "sent"]]));
  });
});
