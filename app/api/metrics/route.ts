// Prometheus scrape endpoint for the control plane; requires `Authorization: Bearer <METRICS_TOKEN>` when that is set.
import { log } from "@/server/log";
import { collectMetrics } from "@/server/metrics/collect-metrics";
import { EXPOSITION_CONTENT_TYPE } from "@/server/metrics/exposition";
import { isScrapeAuthorized } from "@/server/metrics/scrape-auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  if (!isScrapeAuthorized(req.headers.get("authorization"))) {
    return new Response("Unauthorized\n", { status: 401, headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' } });
  }
  try {
    return new Response(await collectMetrics(), { headers: { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" } });
  } catch (err) {
    log.error("metrics", "scrape failed", { error: err instanceof Error ? err.message : String(err) });
    return new Response("Scrape failed; see the server log.\n", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}
