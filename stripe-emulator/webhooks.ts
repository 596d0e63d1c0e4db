// Signs events exactly like Stripe (`Stripe-Signature: t=…,v1=HMAC-SHA256("t.payload")`) and delivers them with retries,
// plus the admin switches that duplicate, delay and reorder deliveries.
import { createHmac } from "node:crypto";
import type { EventObj } from "./types";

export interface WebhookConfig {
  url: string | null;
  secret: string;
  /** Probability (0..1) that a delivered event is delivered once more (same event id, fresh signature). */
  duplicateRate: number;
  /** Every event waits this long before its first delivery (ms). */
  delayMs: number;
  /** Plus a random 0..jitterMs (ms); with a jitter, events overtake each other. */
  jitterMs: number;
  /** Deliver the events created within `reorderWindowMs` of each other in reverse order. */
  reorder: boolean;
  reorderWindowMs: number;
  /** Attempts per event before giving up (Stripe retries for 3 days; here in seconds). */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  attempt: number;
  duplicate: boolean;
  status: number | null;
  error?: string;
  ok: boolean;
  at: number;
}

interface Job {
  event: EventObj;
  payload: string;
  attempt: number;
  duplicate: boolean;
}

/** The `Stripe-Signature` header value for a payload, as Stripe computes it. */
export function signPayload(payload: string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac("sha256", secret).update(`${timestampSeconds}.${payload}`, "utf8").digest("hex");
  return `t=${timestampSeconds},v1=${v1}`;
}

export const DEFAULT_WEBHOOK_CONFIG: Omit<WebhookConfig, "url" | "secret"> = {
  duplicateRate: 0,
  delayMs: 0,
  jitterMs: 0,
  reorder: false,
  reorderWindowMs: 100,
  maxAttempts: 8,
  retryBaseMs: 250,
  retryMaxMs: 30_000,
  timeoutMs: 10_000,
};

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  private buffer: Job[] = [];
  private queue: Job[] = [];
  private pumping = false;
  private timers = new Set<NodeJS.Timeout>();
  private reorderTimer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(public config: WebhookConfig) {}

  /** Queues an event; false when no endpoint is configured. */
  enqueue(event: EventObj): boolean {
    if (!this.config.url || this.stopped) return false;
    const job: Job = { event, payload: JSON.stringify(event, null, 2), attempt: 1, duplicate: false };
    const wait = this.config.delayMs + Math.random() * this.config.jitterMs;
    if (wait > 0) this.later(wait, () => this.accept(job));
    else this.accept(job);
    return true;
  }

  private accept(job: Job): void {
    if (!this.config.reorder) {
      this.queue.push(job);
      void this.pump();
      return;
    }
    this.buffer.push(job);
    if (!this.reorderTimer) {
      this.reorderTimer = setTimeout(() => {
        this.reorderTimer = null;
        const batch = this.buffer.reverse();
        this.buffer = [];
        this.queue.push(...batch);
        void this.pump();
      }, this.config.reorderWindowMs);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
      this.checkIdle();
    }, ms);
    this.timers.add(t);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const job = this.queue.shift() as Job;
        await this.send(job);
      }
    } finally {
      this.pumping = false;
      this.checkIdle();
    }
  }

  private async send(job: Job): Promise<void> {
    const url = this.config.url;
    if (!url) return;
    const record: DeliveryRecord = {
      eventId: job.event.id,
      type: job.event.type,
      attempt: job.attempt,
      duplicate: job.duplicate,
      status: null,
      ok: false,
      at: Date.now(),
    };
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": signPayload(job.payload, this.config.secret),
        },
        body: job.payload,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      record.status = res.status;
      record.ok = res.status >= 200 && res.status < 300;
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    this.deliveries.push(record);
    if (this.deliveries.length > 20_000) this.deliveries.splice(0, 10_000);
    if (record.ok) {
      job.event.pending_webhooks = 0;
      if (!job.duplicate && Math.random() < this.config.duplicateRate)
        this.queue.push({ ...job, attempt: 1, duplicate: true });
    } else if (job.attempt < this.config.maxAttempts) {
      const wait = Math.min(this.config.retryBaseMs * 2 ** (job.attempt - 1), this.config.retryMaxMs);
      this.later(wait, () => {
        this.queue.push({ ...job, attempt: job.attempt + 1 });
        void this.pump();
      });
    }
  }

  private isIdle(): boolean {
    return !this.pumping && this.queue.length === 0 && this.buffer.length === 0 && this.timers.size === 0 && !this.reorderTimer;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves true once nothing is queued, delayed or waiting for a retry; false on timeout. */
  idle(timeoutMs = 10_000): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.reorderTimer) clearTimeout(this.reorderTimer);
    this.reorderTimer = null;
    this.queue = [];
    this.buffer = [];
    this.checkIdle();
  }
}
