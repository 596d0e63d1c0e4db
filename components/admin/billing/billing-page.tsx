// Usage and revenue across the fleet for platform staff: totals, the top organizations as a chart, and tables per
// organization and per plan for a chosen period. Polls every 30 s.
"use client";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { AppIcon } from "@/components/icons";
import { BillingStatusBadge } from "@/components/billing/billing-status";
import { ChartLegend, StackedBarList } from "@/components/billing/charts";
import { displayQuantity, formatCents, formatQuantity, meterCents, METER_DISPLAY, type ApiMeter, type MeterUsage } from "@/components/billing/format";
import { Badge, Card, CardBody, CardHeader, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Select, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { formatDate } from "@/lib/format";
import { METER_LIST } from "@/server/metering/meters";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";

type Platform = RouterOutputs["usage"]["platform"];
type Choice = "month" | "last-month" | "30d";

const TOP = 8;
/** The usage rates (usage.platform reports quantities per meter, not their cost). */
const RATES: ApiMeter[] = METER_LIST;

function periodInput(choice: Choice, month: string): { from?: Date; to?: Date } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  if (choice === "month") return { from: new Date(Date.UTC(y, m - 1, 1)), to: new Date(Date.UTC(y, m, 1)) };
  if (choice === "last-month") return { from: new Date(Date.UTC(y, m - 2, 1)), to: new Date(Date.UTC(y, m - 1, 1)) };
  const end = Date.UTC(y, m - 1, new Date().getUTCDate() + 1);
  return { from: new Date(end - 30 * 86_400_000), to: new Date(end) };
}

function QuantityCells({ usage }: { usage: MeterUsage }) {
  return (
    <>
      {METER_DISPLAY.map((m) => (
        <TD key={m.key} className="text-right tabular-nums">
          {formatQuantity(m, displayQuantity(m, usage[m.key]))}
        </TD>
      ))}
    </>
  );
}

function QuantityHeads() {
  return (
    <>
      {METER_DISPLAY.map((m) => (
        <TH key={m.key} className="text-right">
          {m.label}
          <span className="block font-normal tracking-normal normal-case">{m.unit}</span>
        </TH>
      ))}
    </>
  );
}

export function AdminBillingPage() {
  const trpc = useTRPC();
  const [choice, setChoice] = useState<Choice>("month");
  const month = new Date().toISOString().slice(0, 7);
  const input = useMemo(() => periodInput(choice, month), [choice, month]);
  const query = useQuery({ ...trpc.usage.platform.queryOptions(input), refetchInterval: 30_000, placeholderData: (prev) => prev });

  return (
    <>
      <PageHeader
        title="Billing"
        description="Usage and revenue per organization and per plan."
        actions={
          <Select aria-label="Period" className="h-9 w-48" value={choice} onChange={(e) => setChoice(e.target.value as Choice)}>
            <option value="month">This month</option>
            <option value="last-month">Last month</option>
            <option value="30d">Last 30 days</option>
          </Select>
        }
      />
      {query.isPending ? (
        <Card>
          <LoadingBlock label="Loading billing" />
        </Card>
      ) : query.error ? (
        <ErrorMessage error={query.error} />
      ) : (
        <Overview data={query.data} />
      )}
    </>
  );
}

function Overview({ data }: { data: Platform }) {
  const usageTotal = data.organizations.reduce((s, o) => s + o.usageCostCents, 0);
  const subscribed = data.organizations.filter((o) => o.billingStatus === "active").length;
  const attention = data.organizations.filter((o) => o.billingStatus === "past_due" || o.billingStatus === "suspended");
  const top = data.organizations.filter((o) => o.usageCostCents > 0 || o.paidCents > 0).slice(0, TOP);
  const lastDay = new Date(new Date(data.to).getTime() - 1);
  const tiles = [
    { label: "Revenue", value: formatCents(data.revenueCents), note: "Paid invoices in the period" },
    { label: "Estimated usage", value: formatCents(usageTotal), note: "Usage rates, no base prices" },
    { label: "Subscribed organizations", value: String(subscribed), note: `of ${data.organizations.length}` },
    { label: "Need attention", value: String(attention.length), note: attention.length ? attention.map((o) => o.name).join(", ") : "No failed payments" },
  ];
  return (
    <div className="space-y-6">
      <p className="-mt-3 text-sm text-zinc-500">
        <Time value={data.from} mode="date" /> – {formatDate(lastDay)}
      </p>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {tiles.map((t) => (
          <Card key={t.label} className="px-4 py-4">
            <p className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{t.label}</p>
            <p className="mt-1 text-2xl font-semibold text-zinc-900 tabular-nums">{t.value}</p>
            <p className="mt-1 truncate text-xs text-zinc-500" title={t.note}>
              {t.note}
            </p>
          </Card>
        ))}
      </div>

      <Card>
        <CardHeader title="Top organizations" description={`Estimated usage cost in the period by meter, with what they paid; the ${TOP} largest.`} actions={<ChartLegend items={METER_DISPLAY.map((m) => ({ key: m.key, label: m.label, swatch: m.swatch }))} />} />
        <CardBody>
          {top.length === 0 ? (
            <p className="py-6 text-center text-sm text-zinc-500">No usage or payments in this period.</p>
          ) : (
            <StackedBarList
              label="Top organizations by estimated usage cost"
              format={formatCents}
              rows={top.map((o) => ({
                key: o.orgId,
                label: o.name,
                note: `· ${formatCents(o.paidCents)} paid`,
                segments: METER_DISPLAY.map((m) => ({ key: m.key, label: m.label, swatch: m.swatch, value: meterCents(RATES, m.key, o.usage[m.key]) })),
              }))}
            />
          )}
        </CardBody>
      </Card>

      <Card>
        <CardHeader title="Organizations" description="Billable usage (free plans left out), its estimated cost and the invoices paid in the period." />
        {data.organizations.length === 0 ? (
          <EmptyState icon={<AppIcon name="orgs" />} title="No organizations yet" />
        ) : (
          <Table label="Usage and revenue per organization">
            <THead>
              <TR>
                <TH>Organization</TH>
                <TH>Billing</TH>
                <QuantityHeads />
                <TH className="text-right">Est. usage</TH>
                <TH className="text-right">Paid</TH>
              </TR>
            </THead>
            <TBody>
              {data.organizations.map((o) => (
                <TR key={o.orgId}>
                  <TD className="font-medium text-zinc-900">{o.name}</TD>
                  <TD>
                    <BillingStatusBadge status={o.billingStatus} />
                  </TD>
                  <QuantityCells usage={o.usage} />
                  <TD className="text-right tabular-nums">{formatCents(o.usageCostCents)}</TD>
                  <TD className="text-right font-medium text-zinc-900 tabular-nums">{formatCents(o.paidCents)}</TD>
                </TR>
              ))}
            </TBody>
            <tfoot className="border-t-2 border-zinc-200 bg-zinc-50">
              <TR>
                <TH scope="row" colSpan={6} className="py-3 text-zinc-700">
                  Total
                </TH>
                <TD className="text-right font-medium text-zinc-900 tabular-nums">{formatCents(usageTotal)}</TD>
                <TD className="text-right font-semibold text-zinc-900 tabular-nums">{formatCents(data.revenueCents)}</TD>
              </TR>
            </tfoot>
          </Table>
        )}
      </Card>

      <Card>
        <CardHeader title="Plans" description="Usage of every instance on each plan; free plans are measured but not charged." />
        {data.plans.length === 0 ? (
          <EmptyState icon={<AppIcon name="catalog" />} title="No usage on any plan in this period" />
        ) : (
          <Table label="Usage per plan">
            <THead>
              <TR>
                <TH>Plan</TH>
                <QuantityHeads />
                <TH className="text-right">Est. usage</TH>
              </TR>
            </THead>
            <TBody>
              {[...data.plans]
                .sort((a, b) => b.usageCostCents - a.usageCostCents || a.name.localeCompare(b.name))
                .map((p) => (
                  <TR key={p.planId}>
                    <TD>
                      <span className="font-medium text-zinc-900">{p.name}</span>
                      {p.free && (
                        <Badge tone="green" className="ml-2">
                          Free
                        </Badge>
                      )}
                    </TD>
                    <QuantityCells usage={p.usage} />
                    <TD className="text-right tabular-nums">{p.free ? <span className="text-zinc-500">Free</span> : formatCents(p.usageCostCents)}</TD>
                  </TR>
                ))}
            </TBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
