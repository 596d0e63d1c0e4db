// What the usage pages show: an organization's usage in a period by day and by instance with a cost estimate,
// and, for platform staff, usage and revenue per organization and per plan.
import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { billingAccounts, billingInvoices, instances, organizations, plans, services, usageRollups, type MeterKey } from "@/db/schema";
import { estimateCents, formatMicro, METER_LIST } from "./meters";

export const usagePeriodInput = z.object({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

const DAY_MS = 86_400_000;

/** The period asked for, else the current billing period, else the calendar month so far. */
async function resolvePeriod(db: Db, orgId: string | null, input: z.infer<typeof usagePeriodInput>): Promise<{ from: Date; to: Date }> {
  if (input.from && input.to) {
    if (input.to <= input.from) throw new Error("unreachable: validated by the router");
    return { from: input.from, to: input.to };
  }
  if (orgId) {
    const [acc] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
    if (acc?.currentPeriodStart && acc.currentPeriodEnd && acc.status !== "canceled") return { from: acc.currentPeriodStart, to: acc.currentPeriodEnd };
  }
  const now = new Date();
  return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)) };
}

type MeterTotals = Record<MeterKey, string>;
const emptyTotals = (): Record<MeterKey, bigint> => Object.fromEntries(METER_LIST.map((m) => [m.key, 0n])) as Record<MeterKey, bigint>;
const format = (t: Record<MeterKey, bigint>): MeterTotals => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, formatMicro(v)])) as MeterTotals;
const costOf = (t: Record<MeterKey, bigint>) => Math.round(Object.entries(t).reduce((c, [k, v]) => c + estimateCents(k as MeterKey, v), 0) * 100) / 100;

/** An organization's usage in the period: per day and per instance, per meter, with estimated cost in cents. */
export async function getOrgUsage(db: Db, orgId: string, input: z.infer<typeof usagePeriodInput>) {
  const { from, to } = await resolvePeriod(db, orgId, input);
  const rows = await db
    .select({
      instanceId: usageRollups.instanceId,
      meter: usageRollups.meter,
      day: sql<string>`to_char(date_trunc('day', ${usageRollups.hour} at time zone 'UTC'), 'YYYY-MM-DD')`,
      micro: sql<string>`sum(${usageRollups.quantityMicro})`,
    })
    .from(usageRollups)
    .where(and(eq(usageRollups.orgId, orgId), gte(usageRollups.hour, from), lt(usageRollups.hour, to)))
    .groupBy(usageRollups.instanceId, usageRollups.meter, sql`3`);
  const ids = [...new Set(rows.map((r) => r.instanceId))];
  const meta = ids.length
    ? await db
        .select({ id: instances.id, name: instances.name, deletedAt: instances.deletedAt, planName: plans.name, free: plans.free, priceMonthlyCents: plans.priceMonthlyCents, serviceName: services.name })
        .from(instances)
        .innerJoin(plans, eq(plans.id, instances.planId))
        .innerJoin(services, eq(services.id, instances.serviceId))
        .where(inArray(instances.id, ids))
    : [];
  const byId = new Map(meta.map((m) => [m.id, m]));
  const days = new Map<string, Record<MeterKey, bigint>>();
  const billableDays = new Map<string, Record<MeterKey, bigint>>();
  const perInstance = new Map<string, Record<MeterKey, bigint>>();
  const billable = emptyTotals();
  for (const r of rows) {
    const q = BigInt(r.micro);
    const d = days.get(r.day) ?? emptyTotals();
    d[r.meter] += q;
    days.set(r.day, d);
    const i = perInstance.get(r.instanceId) ?? emptyTotals();
    i[r.meter] += q;
    perInstance.set(r.instanceId, i);
    if (!byId.get(r.instanceId)?.free) {
      billable[r.meter] += q;
      const b = billableDays.get(r.day) ?? emptyTotals();
      b[r.meter] += q;
      billableDays.set(r.day, b);
    }
  }
  // Every day of the period so far, zero where nothing ran, so charts have no gaps.
  const dayList: { day: string; usage: MeterTotals; billableUsage: MeterTotals; costCents: number }[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t < Math.min(to.getTime(), Date.now() + DAY_MS); t += DAY_MS) {
    const key = new Date(t).toISOString().slice(0, 10);
    const totals = days.get(key) ?? emptyTotals();
    // Usage shows every plan; the cost only what is billed (free plans are never charged).
    const billed = billableDays.get(key) ?? emptyTotals();
    dayList.push({ day: key, usage: format(totals), billableUsage: format(billed), costCents: costOf(billed) });
  }
  const instanceList = [...perInstance.entries()]
    .map(([id, totals]) => {
      const m = byId.get(id);
      return { instanceId: id, name: m?.name ?? "(removed)", deleted: m?.deletedAt != null, plan: m?.planName ?? "", service: m?.serviceName ?? "", free: m?.free ?? false, usage: format(totals), costCents: m?.free ? 0 : costOf(totals) };
    })
    .sort((a, b) => b.costCents - a.costCents || a.name.localeCompare(b.name));
  const [acc] = await db.select({ status: billingAccounts.status, graceUntil: billingAccounts.graceUntil }).from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return {
    from,
    to,
    meters: METER_LIST.map((m) => ({ key: m.key, label: m.label, unit: m.unit, unitAmountCents: m.unitAmountCents })),
    days: dayList,
    instances: instanceList,
    totals: format(billable),
    usageCostCents: costOf(billable),
    billingStatus: acc?.status ?? "none",
    graceUntil: acc?.graceUntil ?? null,
  };
}

/** Usage and revenue per organization and per plan over a period (platform staff). */
export async function getPlatformUsage(db: Db, input: z.infer<typeof usagePeriodInput>) {
  const { from, to } = await resolvePeriod(db, null, input);
  const usage = await db
    .select({
      orgId: usageRollups.orgId,
      planId: instances.planId,
      meter: usageRollups.meter,
      micro: sql<string>`sum(${usageRollups.quantityMicro})`,
    })
    .from(usageRollups)
    .innerJoin(instances, eq(instances.id, usageRollups.instanceId))
    .where(and(gte(usageRollups.hour, from), lt(usageRollups.hour, to)))
    .groupBy(usageRollups.orgId, instances.planId, usageRollups.meter);
  const paid = await db
    .select({ orgId: billingInvoices.orgId, cents: sql<string>`sum(${billingInvoices.amountPaid})` })
    .from(billingInvoices)
    .where(and(eq(billingInvoices.status, "paid"), gte(billingInvoices.created, from), lt(billingInvoices.created, to)))
    .groupBy(billingInvoices.orgId);
  const orgs = await db.select({ id: organizations.id, name: organizations.name, status: billingAccounts.status }).from(organizations).leftJoin(billingAccounts, eq(billingAccounts.orgId, organizations.id));
  const planRows = await db.select({ id: plans.id, name: plans.name, free: plans.free, service: services.name }).from(plans).innerJoin(services, eq(services.id, plans.serviceId));
  const planMeta = new Map(planRows.map((p) => [p.id, p]));
  const perOrg = new Map<string, Record<MeterKey, bigint>>();
  const perPlan = new Map<string, Record<MeterKey, bigint>>();
  for (const r of usage) {
    const q = BigInt(r.micro);
    const o = perOrg.get(r.orgId) ?? emptyTotals();
    o[r.meter] += planMeta.get(r.planId)?.free ? 0n : q;
    perOrg.set(r.orgId, o);
    const p = perPlan.get(r.planId) ?? emptyTotals();
    p[r.meter] += q;
    perPlan.set(r.planId, p);
  }
  const paidByOrg = new Map(paid.map((p) => [p.orgId, Number(p.cents)]));
  return {
    from,
    to,
    organizations: orgs
      .map((o) => {
        const t = perOrg.get(o.id) ?? emptyTotals();
        return { orgId: o.id, name: o.name, billingStatus: o.status ?? "none", usage: format(t), usageCostCents: costOf(t), paidCents: paidByOrg.get(o.id) ?? 0 };
      })
      .sort((a, b) => b.paidCents + b.usageCostCents - (a.paidCents + a.usageCostCents)),
    plans: [...perPlan.entries()].map(([planId, t]) => {
      const p = planMeta.get(planId);
      return { planId, name: p ? `${p.service} ${p.name}` : planId, free: p?.free ?? false, usage: format(t), usageCostCents: p?.free ? 0 : costOf(t) };
    }),
    revenueCents: [...paidByOrg.values()].reduce((a, b) => a + b, 0),
  };
}
