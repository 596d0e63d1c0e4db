// /o/<slug>/settings: a thin page; the client component calls the API.
import type { Metadata } from "next";
import { SettingsPage } from "@/components/org/settings-page";

export const metadata: Metadata = { title: "Settings" };

export default function Page() {
  return <SettingsPage />;
}
