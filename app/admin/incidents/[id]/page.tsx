// /admin/incidents/<id>: one incident with its timeline and the actions a platform admin can take; an unknown id is a 404.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { TRPCError } from "@trpc/server";
import { AdminIncidentPage } from "@/components/admin/incidents/incident-page";
import { getServerCaller } from "@/lib/trpc/server";

type Params = { params: Promise<{ id: string }> };

/** The incident's title, "missing" for an unknown (or malformed) id, or null when the caller may not look (the layout says why). */
const findIncident = cache(async (incidentId: string): Promise<string | "missing" | null> => {
  const caller = await getServerCaller();
  try {
    return (await caller.incidents.getAny({ incidentId })).title;
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) return "missing";
    if (err instanceof TRPCError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
    throw err;
  }
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const found = await findIncident((await params).id);
  return { title: found && found !== "missing" ? `Incident: ${found}` : "Incident" };
}

export default async function Page({ params }: Params) {
  const { id } = await params;
  const found = await findIncident(id);
  if (found === "missing") notFound();
  if (found === null) return null;
  return <AdminIncidentPage incidentId={id} />;
}
