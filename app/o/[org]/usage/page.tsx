// /o/<slug>/usage: usage, cost estimate, subscription and invoices; the client component calls the API and polls.
import type { Metadata } from "next";
import { Suspense } from "react";
import { UsagePage } from "@/components/billing/usage-page";

export const metadata: Metadata = { title: "Usage & billing" };

export default function Page() {
  return (
    <Suspense>
      <UsagePage />
    </Suspense>
  );
}
