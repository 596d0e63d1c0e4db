// /o/<slug>/instances/new: the create form (service → plan → region → name).
import type { Metadata } from "next";
import { CreateInstancePage } from "@/components/instances/create-instance-page";

export const metadata: Metadata = { title: "Create instance" };

export default function Page() {
  return <CreateInstancePage />;
}
