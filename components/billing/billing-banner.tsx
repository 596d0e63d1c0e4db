// The banner every member of an organization sees while its payment has failed or it is suspended for non-payment,
// linking to Usage & billing. Reads the status from usage.get (every role may), and shows nothing if that fails.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useOrg } from "@/components/org/org-context";
import { cn } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";

export function BillingBanner() {
  const org = useOrg();
  const trpc = useTRPC();
  const pathname = usePathname();
  // Same input as the usage page's default period, so both share one cached query.
  const usage = useQuery({ ...trpc.usage.get.queryOptions({ orgId: org.id }), refetchInterval: 60_000, retry: false, throwOnError: false });
  const status = usage.data?.billingStatus;
  const usageHref = `/o/${org.slug}/usage`;
  if (status !== "past_due" && status !== "suspended") return null;
  // The usage page's subscription card already says it, with the deadline and the buttons, to those who may see it.
  if (pathname === usageHref && can(org.role, "billing:read")) return null;
  const suspended = status === "suspended";
  return (
    <div
      role="alert"
      className={cn(
        "mb-6 flex flex-wrap items-center justify-between gap-3 rounded-lg px-4 py-3 text-sm ring-1 ring-inset",
        suspended ? "bg-red-600 text-white ring-red-700" : "bg-amber-50 text-amber-900 ring-amber-300",
      )}
    >
      <p>
        <strong className="font-semibold">{suspended ? "Suspended for non-payment" : "Payment failed"}</strong>
        {" — "}
        {suspended
          ? "instances are stopped; pay the open invoice to resume."
          : `update your payment method before ${usage.data?.graceUntil ? formatDateTime(usage.data.graceUntil) : "the grace period ends"} or your instances will be stopped.`}
      </p>
      {pathname !== usageHref && (
        <Link
          href={usageHref}
          className={cn("shrink-0 rounded-md px-3 py-1.5 font-medium", suspended ? "bg-white text-red-700 hover:bg-red-50" : "bg-amber-600 text-white hover:bg-amber-700")}
        >
          Go to Usage &amp; billing
        </Link>
      )}
    </div>
  );
}
