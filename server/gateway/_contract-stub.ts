// TEMPORARY stand-in for server/scaling/wake.ts until the lead's requestWake lands; deleted afterwards.
import type { Db } from "@/db/client";

export async function requestWake(db: Db, instanceId: string): Promise<{ runId: string | null; started: boolean }> {
  void db;
  void instanceId;
  return { runId: null, started: false };
}
