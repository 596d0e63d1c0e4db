// /admin/billing: usage and revenue per organization and per plan.
import type { Metadata } from "next";
import { AdminBillingPage } from "@/components/admin/billing/billing-page";

export const metadata: Metadata = { title: "Billing" };

export default function Page() {
  return <AdminBillingPage />;
}
