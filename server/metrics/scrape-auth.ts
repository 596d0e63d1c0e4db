// Who may scrape /api/metrics: with METRICS_TOKEN set, only requests presenting it as a bearer token.
import { createHash, timingSafeEqual } from "node:crypto";
import { getEnv } from "@/server/env";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** True when no METRICS_TOKEN is configured, or `authorization` is `Bearer <METRICS_TOKEN>` (compared in constant time). */
export function isScrapeAuthorized(authorization: string | null, token = getEnv().METRICS_TOKEN): boolean {
  if (!token) return true;
  const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(token));
}
