// /o/<slug>/incidents/<id>: one incident and its timeline; an unknown id (or another organization's) is a 404 inside the portal.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { IncidentDetailPage } from "@/components/incidents/incident-detail-page";
import { getMe, getServerCaller, orNotFound } from "@/lib/trpc/server";

type Params = { params: Promise<{ org: string; id: string }> };

/** The incident's title, or null when it does not exist for this organization (or the caller is not in it). */
const findIncident = cache(async (slug: string, id: string): Promise<string | null> => {
  const me = await getMe();
  const org = me?.organizations.find((o) => o.slug === slug);
  if (!org) return null;
  const caller = await getServerCaller();
  const found = await orNotFound(() => caller.incidents.get({ orgId: org.id, incidentId: id }));
  return found?.title ?? null;
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { org, id } = await params;
  const title = await findIncident(org, id);
  return { title: title ? `Incident: ${title}` : "Incident" };
}

export default async function Page({ params }: Params) {
  const { org, id } = await params;
  if (!(await findIncident(org, id))) notFound();
  return <IncidentDetailPage incidentId={id} />;
}
