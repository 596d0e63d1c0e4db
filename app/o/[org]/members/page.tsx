// /o/<slug>/members: a thin page; the client component calls the API.
import type { Metadata } from "next";
import { MembersPage } from "@/components/org/members-page";

export const metadata: Metadata = { title: "Members" };

export default function Page() {
  return <MembersPage />;
}
