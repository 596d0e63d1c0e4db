// /admin/catalog: services, their versions and plans.
import type { Metadata } from "next";
import { CatalogPage } from "@/components/admin/catalog/catalog-page";

export const metadata: Metadata = { title: "Catalog" };

export default function Page() {
  return <CatalogPage />;
}
