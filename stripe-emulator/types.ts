// Shapes of the stored Stripe objects (the subset of each API object Fleetplane uses), options and settings.
import type { Metadata } from "./params";

export const DEFAULT_API_VERSION = "2026-10-28.endive";
export const DEFAULT_API_KEY = "sk_test_emulator";

export interface StripeEmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Where signed webhooks are POSTed. Can be changed later through the admin API. */
  webhookUrl?: string;
  /** `whsec_…` secret the app verifies signatures with; a random one when omitted. */
  webhookSecret?: string;
  /** The accepted secret key (Bearer); default `sk_test_emulator`. */
  apiKey?: string;
  /** JSON file loaded at start and written on stop. */
  stateFile?: string;
  /** Base URL of the hosted pages (checkout, portal, invoices) as a browser reaches them; default the server URL. */
  publicUrl?: string;
  /** Initial settings (see `EmulatorSettings`). */
  settings?: Partial<EmulatorSettings>;
  /** Log each request to stderr. */
  log?: boolean;
}

export interface EmulatorSettings {
  /** Seconds a subscription invoice stays draft after its period ends before it is finalized and charged (Stripe: ~1 h). */
  invoiceFinalizationGraceSeconds: number;
  /** Days after a failed payment at which Stripe retries it; once exhausted, `retriesExhaustedAction` applies. */
  paymentRetryDays: number[];
  retriesExhaustedAction: "unpaid" | "canceled";
  /** Meter events become visible in event summaries this long after they are received (Stripe aggregates asynchronously). */
  aggregationDelayMs: number;
  /** Requests per second per API key before 429 (null: no limit). Stripe documents 25/s in test mode, 100/s live. */
  rateLimitPerSecond: number | null;
  /** Separate limit for POST /v1/billing/meter_events (Stripe documents 1,000/s). */
  meterEventRateLimitPerSecond: number | null;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  invoiceFinalizationGraceSeconds: 3600,
  paymentRetryDays: [3, 5, 7],
  retriesExhaustedAction: "unpaid",
  aggregationDelayMs: 0,
  rateLimitPerSecond: null,
  meterEventRateLimitPerSecond: null,
};

export interface ApiList<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

interface Base {
  id: string;
  object: string;
  created: number;
  livemode: false;
}

export interface CustomerObj extends Base {
  object: "customer";
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Metadata;
  balance: number;
  currency: string | null;
  delinquent: boolean;
  default_source: null;
  invoice_prefix: string;
  next_invoice_sequence: number;
  invoice_settings: { custom_fields: null; default_payment_method: string | null; footer: null; rendering_options: null };
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
  address: null;
}

export interface ProductObj extends Base {
  object: "product";
  active: boolean;
  name: string;
  description: string | null;
  default_price: string | null;
  images: string[];
  marketing_features: unknown[];
  metadata: Metadata;
  package_dimensions: null;
  shippable: null;
  statement_descriptor: string | null;
  tax_code: null;
  type: "service";
  unit_label: string | null;
  updated: number;
  url: string | null;
}

export interface PriceRecurring {
  interval: "day" | "week" | "month" | "year";
  interval_count: number;
  meter: string | null;
  trial_period_days: number | null;
  usage_type: "licensed" | "metered";
}

export interface PriceObj extends Base {
  object: "price";
  active: boolean;
  billing_scheme: "per_unit";
  currency: string;
  custom_unit_amount: null;
  lookup_key: string | null;
  metadata: Metadata;
  nickname: string | null;
  product: string;
  recurring: PriceRecurring | null;
  tax_behavior: "unspecified" | "inclusive" | "exclusive";
  tiers_mode: null;
  transform_quantity: null;
  type: "one_time" | "recurring";
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface MeterObj extends Base {
  object: "billing.meter";
  customer_mapping: { event_payload_key: string; type: "by_id" };
  default_aggregation: { formula: "sum" | "count" | "last" };
  display_name: string;
  event_name: string;
  event_time_window: "day" | "hour" | null;
  status: "active" | "inactive";
  status_transitions: { deactivated_at: number | null };
  updated: number;
  value_settings: { event_payload_key: string };
}

export interface CheckoutLineItem {
  id: string;
  object: "item";
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: string;
  quantity: number | null;
  metadata: Metadata;
}

export interface CheckoutSessionObj extends Base {
  object: "checkout.session";
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  currency: string | null;
  customer: string | null;
  customer_creation: "always" | "if_required" | null;
  customer_details: { email: string | null; name: string | null } | null;
  customer_email: string | null;
  expires_at: number;
  invoice: string | null;
  metadata: Metadata;
  mode: "subscription" | "payment" | "setup";
  payment_intent: null;
  payment_method_types: string[];
  payment_status: "paid" | "unpaid" | "no_payment_required";
  status: "open" | "complete" | "expired";
  subscription: string | null;
  success_url: string | null;
  ui_mode: "hosted";
  url: string | null;
  /** Includable (`expand[]=line_items`); kept aside and rendered on demand. */
  line_items?: ApiList<CheckoutLineItem>;
}

export interface PortalSessionObj extends Base {
  object: "billing_portal.session";
  configuration: string;
  customer: string;
  customer_account: null;
  flow: null;
  locale: null;
  on_behalf_of: null;
  return_url: string | null;
  url: string;
}

export interface SubscriptionItemObj {
  id: string;
  object: "subscription_item";
  created: number;
  current_period_start: number;
  current_period_end: number;
  discounts: string[];
  metadata: Metadata;
  price: PriceObj;
  plan: Record<string, unknown>;
  quantity?: number;
  subscription: string;
  billing_thresholds: null;
  tax_rates: [];
}

export type SubscriptionStatus = "active" | "past_due" | "unpaid" | "canceled" | "incomplete" | "incomplete_expired" | "trialing";

export interface SubscriptionObj extends Base {
  object: "subscription";
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: { comment: string | null; feedback: string | null; reason: string | null } | null;
  collection_method: "charge_automatically";
  currency: string;
  customer: string;
  days_until_due: null;
  default_payment_method: string | null;
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  items: ApiList<SubscriptionItemObj>;
  latest_invoice: string | null;
  metadata: Metadata;
  pause_collection: null;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: null;
  trial_end: number | null;
  trial_start: number | null;
}

export interface InvoiceLineObj {
  id: string;
  object: "line_item";
  amount: number;
  currency: string;
  description: string | null;
  discount_amounts: [];
  discountable: boolean;
  discounts: string[];
  invoice: string;
  livemode: false;
  metadata: Metadata;
  parent: {
    type: "subscription_item_details";
    invoice_item_details: null;
    subscription_item_details: {
      invoice_item: null;
      proration: false;
      proration_details: { credited_items: null };
      subscription: string;
      subscription_item: string;
    };
  };
  period: { start: number; end: number };
  pretax_credit_amounts: [];
  pricing: { type: "price_details"; price_details: { price: string; product: string }; unit_amount_decimal: string | null };
  quantity: number | null;
  quantity_decimal: string | null;
  subscription: string;
  subtotal: number;
  taxes: [];
}

export type InvoiceStatus = "draft" | "open" | "paid" | "uncollectible" | "void";

export interface InvoiceObj extends Base {
  object: "invoice";
  account_country: string;
  account_name: string;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: number;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatically_finalizes_at: number | null;
  billing_reason: "subscription_create" | "subscription_cycle" | "subscription_update" | "manual";
  collection_method: "charge_automatically";
  currency: string;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  description: string | null;
  discounts: string[];
  due_date: null;
  effective_at: number | null;
  ending_balance: number | null;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  lines: ApiList<InvoiceLineObj>;
  metadata: Metadata;
  next_payment_attempt: number | null;
  number: string | null;
  parent: {
    type: "subscription_details";
    quote_details: null;
    subscription_details: { metadata: Metadata; subscription: string };
  } | null;
  period_end: number;
  period_start: number;
  starting_balance: number;
  status: InvoiceStatus;
  status_transitions: { finalized_at: number | null; marked_uncollectible_at: number | null; paid_at: number | null; voided_at: number | null };
  subtotal: number;
  subtotal_excluding_tax: number;
  test_clock: null;
  total: number;
  total_excluding_tax: number;
  total_taxes: [];
  webhooks_delivered_at: number | null;
}

export interface EventObj extends Base {
  object: "event";
  api_version: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export type AnyObj =
  | CustomerObj
  | ProductObj
  | PriceObj
  | MeterObj
  | CheckoutSessionObj
  | PortalSessionObj
  | SubscriptionObj
  | InvoiceObj
  | EventObj;

/** How the emulator treats the next payments of a customer (admin switch). */
export type PaymentBehavior = "succeed" | "fail_next" | "fail_always";
