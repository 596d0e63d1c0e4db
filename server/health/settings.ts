// Detection and recovery timings, shared by the monitor and the recovery ladder; tests and benchmarks shorten them.

export type HealthSettings = {
  /** A pod may take this long to become Ready before it counts. */
  notReadyGraceMs: number;
  /** A problem must last this long before an incident opens (crash loops and lost nodes open at once). */
  confirmMs: number;
  /** How long a cluster must stay unreachable before its stateless instances are moved elsewhere. */
  failoverDelayMs: number;
  /** Above this share of clusters unreachable at once, nothing fails over: the fault is more likely ours. */
  maxUnreachableShare: number;
  /** An instance moved by a failover is not moved again within this window (flapping clusters). */
  flapWindowMs: number;
};

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = { notReadyGraceMs: 60_000, confirmMs: 5_000, failoverDelayMs: 30_000, maxUnreachableShare: 0.5, flapWindowMs: 600_000 };

let current = DEFAULT_HEALTH_SETTINGS;

export function healthSettings(): HealthSettings {
  return current;
}

export function configureHealth(next: Partial<HealthSettings>): void {
  current = { ...current, ...next };
}
