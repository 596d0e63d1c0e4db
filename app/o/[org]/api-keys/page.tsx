// /o/<slug>/api-keys: a thin page; the client component calls the API.
import type { Metadata } from "next";
import { ApiKeysPage } from "@/components/org/api-keys-page";

export const metadata: Metadata = { title: "API keys" };

export default function Page() {
  return <ApiKeysPage />;
}
