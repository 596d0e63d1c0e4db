// One scrape: every collector in parallel, each with a time limit; a failing collector is logged and reported as
// fleetplane_scrape_errors{collector} = 1 while the others' metrics are still served.
import { log } from "@/server/log";
import { billingCollector, fleetCollector, gatewayCollector, incidentCollector, queueCollector, rolloutCollector, workflowCollector, type Collector } from "./collectors";
import { renderFamily, type MetricFamily } from "./exposition";
import { processCollector } from "./process-metrics";

export const DEFAULT_COLLECTORS: Collector[] = [queueCollector, workflowCollector, fleetCollector, incidentCollector, rolloutCollector, gatewayCollector, billingCollector, processCollector];

/** A collector slower than this counts as failed for this scrape (Prometheus' default scrape timeout is 10 s). */
export const COLLECTOR_TIMEOUT_MS = 3000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The exposition text of one scrape. Never throws for a collector's failure; error details go to the log only. */
export async function collectMetrics(collectors: Collector[] = DEFAULT_COLLECTORS, timeoutMs = COLLECTOR_TIMEOUT_MS): Promise<string> {
  const results = await Promise.all(
    collectors.map(async (c) => {
      const start = performance.now();
      try {
        const families = await withTimeout(Promise.resolve().then(() => c.collect()), timeoutMs);
        return { c, families, error: undefined, seconds: (performance.now() - start) / 1000 };
      } catch (error) {
        return { c, families: [] as MetricFamily[], error, seconds: (performance.now() - start) / 1000 };
      }
    }),
  );
  const seen = new Set<string>();
  let body = "";
  const errors: { collector: string; failed: boolean; seconds: number }[] = [];
  for (const r of results) {
    let failed = r.error !== undefined;
    let error = r.error;
    if (!failed) {
      try {
        let text = "";
        for (const f of r.families) {
          if (seen.has(f.name)) throw new Error(`metric family ${f.name} is reported by another collector`);
          text += renderFamily(f);
        }
        r.families.forEach((f) => seen.add(f.name));
        body += text;
      } catch (err) {
        failed = true;
        error = err;
      }
    }
    if (failed) log.warn("metrics", "a metrics collector failed", { collector: r.c.name, error: error instanceof Error ? error.message : String(error) });
    errors.push({ collector: r.c.name, failed, seconds: r.seconds });
  }
  body += renderFamily({
    name: "fleetplane_scrape_errors",
    help: "1 when a collector failed in this scrape (its metrics are missing), else 0.",
    type: "gauge",
    samples: errors.map((e) => ({ labels: { collector: e.collector }, value: e.failed ? 1 : 0 })),
  });
  body += renderFamily({
    name: "fleetplane_scrape_duration_seconds",
    help: "Time each collector took in this scrape.",
    type: "gauge",
    samples: errors.map((e) => ({ labels: { collector: e.collector }, value: Math.round(e.seconds * 1e6) / 1e6 })),
  });
  return body;
}
