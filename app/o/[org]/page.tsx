// /o/<slug>: the organization's landing page is its instances.
import { redirect } from "next/navigation";

export default async function OrgHome({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  redirect(`/o/${org}/instances`);
}
