// /admin/organizations: every customer organization.
import type { Metadata } from "next";
import { OrganizationsPage } from "@/components/admin/organizations-page";

export const metadata: Metadata = { title: "Organizations" };

export default function Page() {
  return <OrganizationsPage />;
}
