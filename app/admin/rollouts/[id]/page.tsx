// /admin/rollouts/<id>: one rollout with its waves, every instance's upgrade and the operator's actions; an unknown id is a 404.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { TRPCError } from "@trpc/server";
import { RolloutPage } from "@/components/admin/rollouts/rollout-page";
import { getServerCaller } from "@/lib/trpc/server";

type Params = { params: Promise<{ id: string }> };

/** "Hello Web 1.2.0", "missing" for an unknown (or malformed) id, or null when the caller may not look (the layout says why). */
const findRollout = cache(async (rolloutId: string): Promise<string | "missing" | null> => {
  const caller = await getServerCaller();
  try {
    const r = await caller.rollouts.get({ rolloutId });
    return `${r.service.name} ${r.version.version}`;
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) return "missing";
    if (err instanceof TRPCError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
    throw err;
  }
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const found = await findRollout((await params).id);
  return { title: found && found !== "missing" ? `Rollout: ${found}` : "Rollout" };
}

export default async function Page({ params }: Params) {
  const { id } = await params;
  const found = await findRollout(id);
  if (found === "missing") notFound();
  if (found === null) return null;
  return <RolloutPage rolloutId={id} />;
}
