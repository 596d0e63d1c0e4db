// Typed client for the emulator's admin API (/_emulator/…), used by tests, benchmarks and scripts.
import type { FaultRule, FaultRuleInput } from "./faults";
import type { MeterTotalRow } from "./metering";
import type { EmulatorSettings, PaymentBehavior } from "./types";
import type { DeliveryRecord, WebhookConfig } from "./webhooks";

export type { FaultRule, FaultRuleInput, MeterTotalRow, EmulatorSettings, PaymentBehavior, DeliveryRecord, WebhookConfig };

export interface EmulatorStateSummary {
  now: number;
  customers: number;
  products: number;
  prices: number;
  meters: number;
  meterEvents: number;
  checkoutSessions: number;
  subscriptions: number;
  invoices: number;
  events: number;
}

export class StripeEmulatorAdmin {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`stripe-emulator admin ${method} ${path}: ${res.status} ${data.error ?? ""}`);
    return data;
  }

  /** Current emulator time (unix seconds). */
  async now(): Promise<number> {
    return (await this.call<{ now: number }>("GET", "/clock")).now;
  }

  /** Moves the clock forward and runs every billing step that became due (renewals, invoices, payments, retries). */
  advanceClock(seconds: number): Promise<{ now: number; processed: number }> {
    return this.call("POST", "/clock/advance", { seconds });
  }

  advanceClockTo(unixSeconds: number): Promise<{ now: number; processed: number }> {
    return this.call("POST", "/clock/advance", { to: unixSeconds });
  }

  addFault(rule: FaultRuleInput): Promise<FaultRule> {
    return this.call("POST", "/faults", rule);
  }

  listFaults(): Promise<FaultRule[]> {
    return this.call<{ data: FaultRule[] }>("GET", "/faults").then((r) => r.data);
  }

  removeFault(id: string): Promise<{ ok: boolean }> {
    return this.call("DELETE", `/faults/${encodeURIComponent(id)}`);
  }

  clearFaults(): Promise<{ ok: boolean }> {
    return this.call("DELETE", "/faults");
  }

  getWebhookConfig(): Promise<WebhookConfig> {
    return this.call("GET", "/webhooks");
  }

  /** Endpoint URL and secret, and the duplicate / delay / jitter / reorder / retry switches. */
  configureWebhooks(config: Partial<WebhookConfig>): Promise<WebhookConfig> {
    return this.call("PUT", "/webhooks", config);
  }

  deliveries(filter: { event?: string; type?: string } = {}): Promise<DeliveryRecord[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as Array<[string, string]>).toString();
    return this.call<{ data: DeliveryRecord[] }>("GET", `/webhooks/deliveries${q ? `?${q}` : ""}`).then((r) => r.data);
  }

  clearDeliveries(): Promise<{ ok: boolean }> {
    return this.call("DELETE", "/webhooks/deliveries");
  }

  /** Waits until no webhook is queued, delayed or awaiting a retry. */
  async flushWebhooks(timeoutMs = 10_000): Promise<boolean> {
    return (await this.call<{ idle: boolean }>("POST", "/webhooks/flush", { timeoutMs })).idle;
  }

  resendEvent(eventId: string): Promise<{ queued: boolean }> {
    return this.call("POST", "/webhooks/resend", { event: eventId });
  }

  /** `fail_next`: the customer's next charge is declined once; `fail_always` until set back to `succeed`. */
  setPaymentBehavior(customer: string, mode: PaymentBehavior): Promise<{ customer: string; mode: PaymentBehavior }> {
    return this.call("POST", `/customers/${encodeURIComponent(customer)}/payment-behavior`, { mode });
  }

  /** Same as pressing Pay on the hosted checkout page. */
  completeCheckout(sessionId: string, form: { email?: string; name?: string } = {}): Promise<{ redirect: string; subscription: string | null; customer: string | null }> {
    return this.call("POST", `/checkout/${encodeURIComponent(sessionId)}/complete`, form);
  }

  /** Pays an open invoice (as the hosted invoice page does); `auto` follows the customer's payment behavior. */
  payInvoice(invoiceId: string, outcome: "succeed" | "fail" | "auto" = "succeed"): Promise<{ paid: boolean; status: string }> {
    return this.call("POST", `/invoices/${encodeURIComponent(invoiceId)}/pay`, { outcome });
  }

  /** Aggregated meter values per meter, customer and hour, as received (ignores the aggregation delay). */
  meterTotals(filter: { meter?: string; customer?: string; from?: number; to?: number } = {}): Promise<MeterTotalRow[]> {
    const q = new URLSearchParams(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ).toString();
    return this.call<{ data: MeterTotalRow[] }>("GET", `/meter-totals${q ? `?${q}` : ""}`).then((r) => r.data);
  }

  state(): Promise<EmulatorStateSummary> {
    return this.call("GET", "/state");
  }

  getSettings(): Promise<EmulatorSettings> {
    return this.call("GET", "/settings");
  }

  updateSettings(settings: Partial<EmulatorSettings>): Promise<EmulatorSettings> {
    return this.call("PUT", "/settings", settings);
  }

  /** Forgets every object, idempotency key, fault and delivery record. */
  reset(): Promise<{ ok: boolean }> {
    return this.call("POST", "/reset");
  }

  save(): Promise<{ ok: boolean }> {
    return this.call("POST", "/save");
  }
}
