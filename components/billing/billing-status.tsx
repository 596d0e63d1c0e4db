// The organization's billing status as a coloured label, and the invoice status the same way.
import { Badge } from "@/components/ui";

export type BillingStatus = "none" | "active" | "past_due" | "suspended" | "canceled";

const STATUS: Record<BillingStatus, { label: string; tone: "neutral" | "green" | "amber" | "red" }> = {
  none: { label: "Not subscribed", tone: "neutral" },
  active: { label: "Active", tone: "green" },
  past_due: { label: "Payment failed", tone: "amber" },
  suspended: { label: "Suspended", tone: "red" },
  canceled: { label: "Canceled", tone: "neutral" },
};

export function BillingStatusBadge({ status, className }: { status: BillingStatus; className?: string }) {
  const s = STATUS[status] ?? STATUS.none;
  return (
    <Badge tone={s.tone} className={className}>
      {s.label}
    </Badge>
  );
}

const INVOICE: Record<string, { label: string; tone: "neutral" | "green" | "amber" | "red" }> = {
  draft: { label: "Draft", tone: "neutral" },
  open: { label: "Open", tone: "amber" },
  paid: { label: "Paid", tone: "green" },
  void: { label: "Void", tone: "neutral" },
  uncollectible: { label: "Uncollectible", tone: "red" },
};

export function InvoiceStatusBadge({ status }: { status: string }) {
  const s = INVOICE[status] ?? { label: status, tone: "neutral" as const };
  return <Badge tone={s.tone}>{s.label}</Badge>;
}
