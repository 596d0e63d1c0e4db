// The organization's subscription: status, billing period, what needs doing (subscribe, pay, update the card) and
// the buttons to Stripe Checkout and the Customer Portal for those whose role may manage billing.
"use client";
import { useMutation } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Alert, Button, buttonClasses, Card, CardBody, CardHeader, ErrorMessage, Time } from "@/components/ui";
import { useOrg } from "@/components/org/org-context";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { BillingStatusBadge } from "./billing-status";

type Overview = RouterOutputs["billing"]["overview"];

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-1 text-sm text-zinc-900">{children}</dd>
    </div>
  );
}

export function SubscriptionCard({ overview }: { overview: Overview }) {
  const org = useOrg();
  const trpc = useTRPC();
  const mayManage = can(org.role, "billing:manage");
  const checkout = useMutation({ ...trpc.billing.checkout.mutationOptions(), onSuccess: ({ url }) => window.location.assign(url) });
  const portal = useMutation({ ...trpc.billing.portal.mutationOptions(), onSuccess: ({ url }) => window.location.assign(url) });
  const o = overview;
  const subscribable = o.status === "none" || o.status === "canceled";
  const openInvoice = o.invoices.find((i) => i.status === "open" && i.hostedInvoiceUrl);
  const leaving = checkout.isPending || checkout.isSuccess || portal.isPending || portal.isSuccess;

  const actions = mayManage ? (
    <>
      {subscribable && (
        <Button onClick={() => checkout.mutate({ orgId: org.id })} loading={checkout.isPending || checkout.isSuccess} disabled={leaving}>
          Subscribe
        </Button>
      )}
      {o.hasCustomer && (
        <Button variant="secondary" onClick={() => portal.mutate({ orgId: org.id })} loading={portal.isPending || portal.isSuccess} disabled={leaving}>
          Manage billing
        </Button>
      )}
    </>
  ) : null;

  return (
    <Card>
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Subscription <BillingStatusBadge status={o.status} />
            {o.status === "active" && o.cancelAtPeriodEnd && <span className="text-xs font-normal text-zinc-500">ends with this period</span>}
          </span>
        }
        description={mayManage ? "Payments are handled by Stripe; Manage billing opens its portal for cards, invoices and cancellation." : "Only owners and billing members can subscribe or change payment details."}
        actions={actions}
      />
      <CardBody className="space-y-4">
        <ErrorMessage error={checkout.error ?? portal.error} />
        {o.status === "past_due" && (
          <Alert tone="warning" title="Payment failed">
            We could not charge your payment method{o.paymentFailedAt ? <> on <Time value={o.paymentFailedAt} /></> : null}. Update it before{" "}
            <strong>
              <Time value={o.graceUntil} />
            </strong>{" "}
            or your instances will be stopped.
            {openInvoice && (
              <div className="mt-3">
                <a href={openInvoice.hostedInvoiceUrl!} target="_blank" rel="noreferrer" className={buttonClasses("secondary", "sm")}>
                  Pay the open invoice
                </a>
              </div>
            )}
          </Alert>
        )}
        {o.status === "suspended" && (
          <Alert tone="error" title="Suspended for non-payment">
            Since <Time value={o.suspendedAt} /> your instances are stopped (their data is kept) and cannot be started. Pay the open invoice and everything starts again automatically.
            {openInvoice && (
              <div className="mt-3">
                <a href={openInvoice.hostedInvoiceUrl!} target="_blank" rel="noreferrer" className={buttonClasses("danger", "sm")}>
                  Pay the open invoice
                </a>
              </div>
            )}
          </Alert>
        )}
        {subscribable ? (
          <p className="text-sm text-zinc-600">
            {o.status === "canceled" ? "The subscription has ended. " : "No subscription yet. "}
            Free plans work without one; paid plans need a subscription, which bills what your instances use each month.
            {!mayManage && " Ask an owner or a billing member to subscribe."}
          </p>
        ) : (
          <dl className="grid gap-4 sm:grid-cols-3">
            <Item label="Current period">
              {o.currentPeriodStart ? (
                <>
                  <Time value={o.currentPeriodStart} mode="date" /> – <Time value={o.currentPeriodEnd} mode="date" />
                </>
              ) : (
                "—"
              )}
            </Item>
            <Item label={o.cancelAtPeriodEnd ? "Ends" : "Next invoice"}>
              <Time value={o.currentPeriodEnd} mode="date" />
            </Item>
            <Item label="Stripe status">
              <span className="capitalize">{o.subscriptionStatus?.replace(/_/g, " ") ?? "—"}</span>
            </Item>
          </dl>
        )}
      </CardBody>
    </Card>
  );
}

/** What members who may not see the subscription are told: only whether billing is in order. */
export function SubscriptionSummary({ status }: { status: Overview["status"] }) {
  return (
    <Card>
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Subscription <BillingStatusBadge status={status} />
          </span>
        }
        description="Owners, admins and billing members see the subscription and invoices."
      />
    </Card>
  );
}
