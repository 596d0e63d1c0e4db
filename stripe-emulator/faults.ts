// Fault injection for the API (500s, 429 bursts with Retry-After, connection resets, latency; per path pattern) and rate limits.

export interface FaultRuleInput {
  /** Path glob (`*` matches anything), e.g. `/v1/billing/meter_events` or `/v1/customers*`; default every API path. */
  path?: string;
  /** HTTP method to match; default any. */
  method?: string;
  /** `error` answers with `status`; `reset` destroys the connection; `delay` only adds latency. Default `error`. */
  action?: "error" | "reset" | "delay";
  /** HTTP status for `error` (default 500; 429 gives Stripe's rate_limit error). */
  status?: number;
  /** Probability each matching request is hit (0..1, default 1). */
  rate?: number;
  /** Fire at most this many times (a burst), then the rule is spent. Default unlimited. */
  count?: number;
  /** `Retry-After` header (seconds) on 429s. */
  retryAfterSeconds?: number;
  /** Sends `Stripe-Should-Retry: true|false`, which the SDK obeys (it does not retry 429s without it). */
  stripeShouldRetry?: boolean;
  /** `before` (default): the request is not processed. `after`: it is processed, then the answer is lost. */
  when?: "before" | "after";
  /** Latency added before answering (ms). */
  delayMs?: number;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  fired: number;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

export class Faults {
  private rules: Array<FaultRule & { re: RegExp }> = [];
  private seq = 0;

  add(input: FaultRuleInput): FaultRule {
    const rule = { ...input, id: `fault_${++this.seq}`, fired: 0 };
    this.rules.push({ ...rule, re: globToRegExp(input.path ?? "*") });
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ re: _re, ...r }) => r);
  }

  /** The rule that hits this request, if any (counts it as fired). */
  pick(method: string, path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (!rule.re.test(path)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (Math.random() >= (rule.rate ?? 1)) continue;
      rule.fired++;
      return rule;
    }
    return undefined;
  }
}

/** Requests per second, counted per whole wall-clock second. */
export class RateCounter {
  private second = 0;
  private count = 0;

  /** Counts one request; true when it exceeds `limit`. */
  exceeds(limit: number | null): boolean {
    if (limit === null) return false;
    const s = Math.floor(Date.now() / 1000);
    if (s !== this.second) {
      this.second = s;
      this.count = 0;
    }
    this.count++;
    return this.count > limit;
  }
}
