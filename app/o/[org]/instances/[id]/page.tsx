// /o/<slug>/instances/<id>: one instance; an unknown id (or another organization's) is a 404 inside the portal.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { InstancePage } from "@/components/instances/instance-page";
import { getMe, getServerCaller, orNotFound } from "@/lib/trpc/server";

type Params = { params: Promise<{ org: string; id: string }> };

/** The instance's name, or null when it does not exist for this organization (or the caller is not in it). */
const findInstance = cache(async (slug: string, id: string): Promise<string | null> => {
  const me = await getMe();
  const org = me?.organizations.find((o) => o.slug === slug);
  if (!org) return null;
  const caller = await getServerCaller();
  const found = await orNotFound(() => caller.instances.get({ orgId: org.id, instanceId: id }));
  return found?.name ?? null;
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { org, id } = await params;
  const name = await findInstance(org, id);
  return { title: name ? `Instance ${name}` : "Instance" };
}

export default async function Page({ params }: Params) {
  const { org, id } = await params;
  // The layout already sent strangers to sign in or to a 404; here only the instance can be missing.
  if (!(await findInstance(org, id))) notFound();
  return <InstancePage instanceId={id} />;
}
