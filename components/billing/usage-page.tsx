// Usage & billing of one organization: the subscription, the period's usage as charts (daily cost by meter, each
// meter's daily quantity), usage and estimated cost per instance, and invoices. Polls every 10 s.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { AppIcon } from "@/components/icons";
import { Alert, Badge, Card, CardBody, CardHeader, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Select, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { formatDate } from "@/lib/format";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { InvoiceStatusBadge } from "./billing-status";
import { ChartLegend, Sparkline, StackedColumnChart, type ChartColumn } from "./charts";
import { displayQuantity, formatAxisCents, formatCents, formatMoney, formatQuantity, formatRate, meterCents, METER_DISPLAY } from "./format";
import { SubscriptionCard, SubscriptionSummary } from "./subscription-card";

type Usage = RouterOutputs["usage"]["get"];
type Overview = RouterOutputs["billing"]["overview"];

const POLL_MS = 10_000;
const DAY_MS = 86_400_000;

type PeriodChoice = "billing" | "7d" | "30d";

/** The API input for a period choice: whole UTC days ending tomorrow, so the query key changes once a day. */
function periodInput(choice: PeriodChoice, today: string): { from?: Date; to?: Date } {
  if (choice === "billing") return {};
  const days = choice === "7d" ? 7 : 30;
  const end = new Date(`${today}T00:00:00Z`).getTime() + DAY_MS;
  return { from: new Date(end - days * DAY_MS), to: new Date(end) };
}

const dayLabel = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
const dayTick = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

export function UsagePage() {
  const org = useOrg();
  const trpc = useTRPC();
  const mayReadBilling = can(org.role, "billing:read");
  const [choice, setChoice] = useState<PeriodChoice>("billing");
  const today = new Date().toISOString().slice(0, 10);
  const period = useMemo(() => periodInput(choice, today), [choice, today]);
  const usage = useQuery({ ...trpc.usage.get.queryOptions({ orgId: org.id, ...period }), refetchInterval: POLL_MS, placeholderData: (prev) => prev });
  const overview = useQuery({ ...trpc.billing.overview.queryOptions({ orgId: org.id }), refetchInterval: POLL_MS, enabled: mayReadBilling });

  return (
    <>
      <PageHeader title="Usage & billing" description="What your instances use, what it is estimated to cost, and your subscription with Stripe." />
      <CheckoutNotice status={overview.data?.status ?? usage.data?.billingStatus} />
      <div className="space-y-6">
        {mayReadBilling ? (
          overview.isPending ? (
            <Card>
              <LoadingBlock label="Loading the subscription" />
            </Card>
          ) : overview.error ? (
            <ErrorMessage error={overview.error} />
          ) : (
            <SubscriptionCard overview={overview.data} />
          )
        ) : (
          usage.data && <SubscriptionSummary status={usage.data.billingStatus} />
        )}

        {usage.isPending ? (
          <Card>
            <LoadingBlock label="Loading usage" />
          </Card>
        ) : usage.error ? (
          <ErrorMessage error={usage.error} />
        ) : (
          <UsageSections usage={usage.data} choice={choice} onChoice={setChoice} subscribed={usage.data.billingStatus !== "none" && usage.data.billingStatus !== "canceled"} />
        )}

        {mayReadBilling && overview.data && <InvoicesCard invoices={overview.data.invoices} />}
      </div>
    </>
  );
}

/** After Stripe Checkout sends the customer back: thanks, and what happens next; dismissible. */
function CheckoutNotice({ status }: { status: string | undefined }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const outcome = params.get("checkout");
  if (outcome !== "success" && outcome !== "cancelled") return null;
  const dismiss = () => router.replace(pathname, { scroll: false });
  const [tone, text] =
    outcome === "cancelled"
      ? (["info", "Checkout was cancelled; nothing was charged."] as const)
      : status === "active"
        ? (["success", "You are subscribed. Paid plans are now available to every member."] as const)
        : (["info", "Payment received. Your subscription shows as Active as soon as Stripe confirms it, usually within seconds."] as const);
  return (
    <div className="mb-6 flex items-start gap-2">
      <Alert tone={tone} className="flex-1">
        {text}
      </Alert>
      <button type="button" onClick={dismiss} className="rounded-md px-2 py-1 text-sm text-zinc-500 hover:bg-zinc-100" aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

function UsageSections({ usage, choice, onChoice, subscribed }: { usage: Usage; choice: PeriodChoice; onChoice: (c: PeriodChoice) => void; subscribed: boolean }) {
  const org = useOrg();
  const meters = usage.meters;
  const columns: ChartColumn[] = usage.days.map((d) => {
    const date = new Date(`${d.day}T00:00:00Z`);
    return {
      key: d.day,
      label: dayLabel.format(date),
      tick: dayTick.format(date),
      segments: METER_DISPLAY.map((m) => ({ key: m.key, label: m.label, swatch: m.swatch, value: meterCents(meters, m.key, d.billableUsage[m.key]) })),
    };
  });
  const hasUsage = usage.instances.length > 0;
  const hasFree = usage.instances.some((i) => i.free);
  const lastDay = new Date(new Date(usage.to).getTime() - 1);

  return (
    <>
      <Card>
        <CardHeader
          title="Usage"
          description={
            <>
              <Time value={usage.from} mode="date" /> – {formatDate(lastDay)} · refreshes every 10 seconds
            </>
          }
          actions={
            <Select aria-label="Period" className="h-9 w-56" value={choice} onChange={(e) => onChoice(e.target.value as PeriodChoice)}>
              <option value="billing">{subscribed ? "Current billing period" : "This month"}</option>
              <option value="7d">Last 7 days</option>
              <option value="30d">Last 30 days</option>
            </Select>
          }
        />
        <div className="grid gap-px border-b border-zinc-200 bg-zinc-200 sm:grid-cols-2 lg:grid-cols-5">
          <div className="bg-white px-4 py-4 sm:px-5">
            <p className="text-xs font-medium tracking-wide text-zinc-500 uppercase">Estimated usage cost</p>
            <p className="mt-1 text-2xl font-semibold text-zinc-900 tabular-nums">{formatCents(usage.usageCostCents)}</p>
            <p className="mt-1 text-xs text-zinc-500">Plan base prices not included</p>
          </div>
          {METER_DISPLAY.map((m) => {
            // Everything measured, free plans included, like the sparkline under it.
            const total = usage.instances.reduce((s, i) => s + displayQuantity(m, i.usage[m.key]), 0);
            return (
              <div key={m.key} className="bg-white px-4 py-4 sm:px-5">
                <p className="flex items-center gap-1.5 text-xs font-medium tracking-wide text-zinc-500 uppercase">
                  <span aria-hidden="true" className={`size-2 rounded-sm ${m.swatch}`} />
                  {m.label}
                </p>
                <p className="mt-1 text-sm text-zinc-900">
                  <span className="text-lg font-semibold tabular-nums">{formatQuantity(m, total)}</span> <span className="text-zinc-500">{m.unit}</span>
                </p>
                <div className="mt-2">
                  <Sparkline values={usage.days.map((d) => displayQuantity(m, d.usage[m.key]))} swatch={m.swatch} label={`${m.label} per day`} />
                </div>
              </div>
            );
          })}
        </div>
        <CardBody>
          {usage.days.length === 0 ? (
            <p className="py-8 text-center text-sm text-zinc-500">This period has only just started: usage shows here as it is measured.</p>
          ) : (
            <>
              <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
                <h3 className="text-sm font-semibold text-zinc-900">Estimated cost per day</h3>
                <ChartLegend items={METER_DISPLAY.map((m) => ({ key: m.key, label: m.label, swatch: m.swatch }))} />
              </div>
              <StackedColumnChart
                columns={columns}
                format={formatCents}
                axisFormat={formatAxisCents}
                emptyMax={100}
                label="Estimated cost per day, by meter"
                summary={hasUsage ? "Point at a day to see its breakdown." : "No usage yet in this period."}
              />
              {hasFree && <p className="mt-3 text-xs text-zinc-500">Free-plan instances are not charged: the chart and the totals leave their usage out.</p>}
            </>
          )}
        </CardBody>
      </Card>

      <Card>
        <CardHeader title="Usage per instance" description="Quantities for the period and their estimated cost at usage rates." />
        {!hasUsage ? (
          <EmptyState
            icon={<AppIcon name="usage" />}
            title="No usage in this period"
            description={
              <>
                Running instances are measured every minute. <Link href={`/o/${org.slug}/instances`} className="font-medium text-brand-700 hover:underline">See your instances</Link>.
              </>
            }
          />
        ) : (
          <Table label="Usage per instance">
            <THead>
              <TR>
                <TH>Instance</TH>
                {METER_DISPLAY.map((m) => (
                  <TH key={m.key} className="text-right">
                    {m.label}
                    <span className="block font-normal tracking-normal normal-case">{m.unit}</span>
                  </TH>
                ))}
                <TH className="text-right">Est. cost</TH>
              </TR>
            </THead>
            <TBody>
              {usage.instances.map((i) => (
                <TR key={i.instanceId}>
                  <TD>
                    <div className="flex items-center gap-2">
                      {i.deleted ? (
                        <span className="font-medium text-zinc-500">{i.name}</span>
                      ) : (
                        <Link href={`/o/${org.slug}/instances/${i.instanceId}`} className="font-medium text-zinc-900 hover:text-brand-700 hover:underline">
                          {i.name}
                        </Link>
                      )}
                      {i.deleted && <Badge>Deleted</Badge>}
                      {i.free && <Badge tone="green">Free</Badge>}
                    </div>
                    <div className="text-xs text-zinc-500">
                      {i.service} · {i.plan}
                    </div>
                  </TD>
                  {METER_DISPLAY.map((m) => (
                    <TD key={m.key} className="text-right tabular-nums">
                      {formatQuantity(m, displayQuantity(m, i.usage[m.key]))}
                    </TD>
                  ))}
                  <TD className="text-right font-medium text-zinc-900 tabular-nums">{i.free ? <span className="text-zinc-500">Free</span> : formatCents(i.costCents)}</TD>
                </TR>
              ))}
            </TBody>
            <tfoot className="border-t-2 border-zinc-200 bg-zinc-50">
              <TR>
                <TH scope="row" className="py-3 text-zinc-700">
                  Billable total
                </TH>
                {METER_DISPLAY.map((m) => (
                  <TD key={m.key} className="text-right font-medium text-zinc-900 tabular-nums">
                    {formatQuantity(m, displayQuantity(m, usage.totals[m.key]))}
                  </TD>
                ))}
                <TD className="text-right font-semibold text-zinc-900 tabular-nums">{formatCents(usage.usageCostCents)}</TD>
              </TR>
            </tfoot>
          </Table>
        )}
        <p className="border-t border-zinc-200 px-4 py-3 text-xs text-zinc-500 sm:px-5">
          Estimates at usage rates: {METER_DISPLAY.map((m) => formatRate(meters, m)).join(", ")}. Base prices of paid plans are not included, and Stripe computes the
          invoice itself, so the amount due may differ slightly.
        </p>
      </Card>
    </>
  );
}

function InvoicesCard({ invoices }: { invoices: Overview["invoices"] }) {
  return (
    <Card>
      <CardHeader title="Invoices" description="Issued by Stripe at the end of each billing period, newest first." />
      {invoices.length === 0 ? (
        <EmptyState title="No invoices yet" description="The first invoice arrives when you subscribe, and then at the end of each billing period." />
      ) : (
        <Table label="Invoices">
          <THead>
            <TR>
              <TH>Invoice</TH>
              <TH>Period</TH>
              <TH className="text-right">Amount</TH>
              <TH>Status</TH>
              <TH>
                <span className="sr-only">Links</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {invoices.map((inv) => (
              <TR key={inv.id}>
                <TD>
                  <div className="font-mono text-sm text-zinc-900">{inv.number ?? "Draft"}</div>
                  <div className="text-xs text-zinc-500">
                    issued <Time value={inv.created} mode="date" />
                  </div>
                </TD>
                <TD className="whitespace-nowrap">
                  {inv.periodStart ? (
                    <>
                      <Time value={inv.periodStart} mode="date" /> – <Time value={inv.periodEnd} mode="date" />
                    </>
                  ) : (
                    "—"
                  )}
                </TD>
                <TD className="text-right font-medium whitespace-nowrap text-zinc-900 tabular-nums">
                  {formatMoney(inv.amountDue, inv.currency)}
                  {inv.amountPaid > 0 && inv.amountPaid < inv.amountDue && <div className="text-xs font-normal text-zinc-500">{formatMoney(inv.amountPaid, inv.currency)} paid</div>}
                </TD>
                <TD>
                  <InvoiceStatusBadge status={inv.status} />
                </TD>
                <TD className="text-right whitespace-nowrap">
                  {inv.hostedInvoiceUrl && (
                    <a href={inv.hostedInvoiceUrl} target="_blank" rel="noreferrer" className="text-sm font-medium text-brand-700 hover:underline">
                      {inv.status === "open" ? "Pay" : "View"}
                      <span className="sr-only"> invoice {inv.number}</span>
                    </a>
                  )}
                  {inv.invoicePdf && (
                    <a href={inv.invoicePdf} target="_blank" rel="noreferrer" className="ml-4 text-sm font-medium text-brand-700 hover:underline">
                      PDF<span className="sr-only"> of invoice {inv.number}</span>
                    </a>
                  )}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}
