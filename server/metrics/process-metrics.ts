// Metrics of the process serving the scrape (the portal): memory, CPU time, start time and event loop lag.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { Collector } from "./collectors";

const RESOLUTION_MS = 10;
let loopDelay: IntervalHistogram | undefined;

/** The delay histogram, started on the first scrape; each scrape reads and resets it. */
function eventLoopDelay(): IntervalHistogram {
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    loopDelay.enable();
  }
  return loopDelay;
}

/** Seconds of lag beyond the sampling interval (the histogram measures interval + lag). */
function lagSeconds(ns: number): number {
  return Number.isFinite(ns) ? Math.max(0, ns / 1e9 - RESOLUTION_MS / 1000) : 0;
}

export const processCollector: Collector = {
  name: "process",
  async collect() {
    const cpu = process.cpuUsage();
    const h = eventLoopDelay();
    const sampled = h.count > 0;
    const mean = sampled ? lagSeconds(h.mean) : 0;
    const p99 = sampled ? lagSeconds(h.percentile(99)) : 0;
    h.reset();
    return [
      { name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: "gauge", samples: [{ value: process.memoryUsage.rss() }] },
      { name: "process_cpu_seconds_total", help: "User and system CPU time spent in seconds.", type: "counter", samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
      { name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch in seconds.", type: "gauge", samples: [{ value: Math.round(Date.now() / 1000 - process.uptime()) }] },
      { name: "nodejs_eventloop_lag_seconds", help: "Mean event loop lag since the previous scrape, in seconds.", type: "gauge", samples: [{ value: mean }] },
      { name: "nodejs_eventloop_lag_p99_seconds", help: "99th percentile of event loop lag since the previous scrape, in seconds.", type: "gauge", samples: [{ value: p99 }] },
    ];
  },
};
