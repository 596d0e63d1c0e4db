// /admin/workflows/<runId>: one run step by step; an unknown id is a 404 inside the console.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { TRPCError } from "@trpc/server";
import { RunPage } from "@/components/admin/fleet/run-page";
import { getServerCaller } from "@/lib/trpc/server";

type Params = { params: Promise<{ runId: string }> };

/** The run's title, "missing" for an unknown (or malformed) id, or null when the caller may not look (the layout says why). */
const findRun = cache(async (runId: string): Promise<string | "missing" | null> => {
  const caller = await getServerCaller();
  try {
    return (await caller.fleet.run({ runId })).title;
  } catch (err) {
    if (err instanceof TRPCError && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) return "missing";
    if (err instanceof TRPCError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
    throw err;
  }
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const found = await findRun((await params).runId);
  return { title: found && found !== "missing" ? `Run: ${found}` : "Workflow run" };
}

export default async function Page({ params }: Params) {
  const { runId } = await params;
  const found = await findRun(runId);
  if (found === "missing") notFound();
  if (found === null) return null;
  return <RunPage runId={runId} />;
}
