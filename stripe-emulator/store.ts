// In-memory state of the emulated Stripe account: one map per resource, meter events, dedup windows; JSON snapshot in/out.
import type {
  AnyObj,
  CheckoutSessionObj,
  CustomerObj,
  EventObj,
  InvoiceObj,
  MeterObj,
  PaymentBehavior,
  PortalSessionObj,
  PriceObj,
  ProductObj,
  SubscriptionObj,
} from "./types";

export interface CheckoutSubscriptionData {
  metadata: Record<string, string>;
  description: string | null;
}

export interface MeterEventRecord {
  identifier: string;
  customer: string;
  /** Event time (unix seconds) as sent in `timestamp`. */
  timestamp: number;
  /** Scaled decimal (see decimal.ts). */
  value: bigint;
  /** Emulator time it was received (unix seconds). */
  created: number;
  /** Wall-clock ms it was received (for the aggregation delay). */
  receivedAtMs: number;
}

export class Store {
  customers = new Map<string, CustomerObj>();
  products = new Map<string, ProductObj>();
  prices = new Map<string, PriceObj>();
  meters = new Map<string, MeterObj>();
  checkoutSessions = new Map<string, CheckoutSessionObj>();
  portalSessions = new Map<string, PortalSessionObj>();
  subscriptions = new Map<string, SubscriptionObj>();
  invoices = new Map<string, InvoiceObj>();
  events = new Map<string, EventObj>();
  /** meter id → customer id → events in arrival order. */
  meterEvents = new Map<string, Map<string, MeterEventRecord[]>>();
  /** meter event identifier → emulator time (s) it was first accepted; enforced for 24 h. */
  identifiers = new Map<string, number>();
  paymentBehavior = new Map<string, PaymentBehavior>();
  /** Checkout `subscription_data` (not part of the session object) applied when the session completes. */
  checkoutSubscriptionData = new Map<string, CheckoutSubscriptionData>();

  /** Any stored top-level object by id (the prefix says which map). */
  lookup(id: string): AnyObj | undefined {
    const prefix = id.slice(0, id.indexOf("_") + 1);
    switch (prefix) {
      case "cus_":
        return this.customers.get(id);
      case "prod_":
        return this.products.get(id);
      case "price_":
        return this.prices.get(id);
      case "mtr_":
        return this.meters.get(id);
      case "cs_":
        return this.checkoutSessions.get(id);
      case "bps_":
        return this.portalSessions.get(id);
      case "sub_":
        return this.subscriptions.get(id);
      case "in_":
        return this.invoices.get(id);
      case "evt_":
        return this.events.get(id);
      default:
        return this.products.get(id) ?? this.prices.get(id);
    }
  }

  addMeterEvent(meterId: string, rec: MeterEventRecord): void {
    let byCustomer = this.meterEvents.get(meterId);
    if (!byCustomer) this.meterEvents.set(meterId, (byCustomer = new Map()));
    let list = byCustomer.get(rec.customer);
    if (!list) byCustomer.set(rec.customer, (list = []));
    list.push(rec);
    this.identifiers.set(rec.identifier, rec.created);
  }

  meterEventsFor(meterId: string, customer: string): MeterEventRecord[] {
    return this.meterEvents.get(meterId)?.get(customer) ?? [];
  }

  /** Forgets identifiers older than the dedup window so the map does not grow forever. */
  pruneIdentifiers(olderThan: number): void {
    for (const [id, at] of this.identifiers) if (at < olderThan) this.identifiers.delete(id);
  }

  clear(): void {
    const fresh = new Store();
    Object.assign(this, fresh);
  }

  toJSON(): SnapshotV1 {
    const meterEvents: SnapshotV1["meterEvents"] = [];
    for (const [meter, byCustomer] of this.meterEvents)
      for (const list of byCustomer.values())
        for (const e of list) meterEvents.push({ ...e, meter, value: e.value.toString() });
    return {
      version: 1,
      customers: [...this.customers.values()],
      products: [...this.products.values()],
      prices: [...this.prices.values()],
      meters: [...this.meters.values()],
      checkoutSessions: [...this.checkoutSessions.values()],
      portalSessions: [...this.portalSessions.values()],
      subscriptions: [...this.subscriptions.values()],
      invoices: [...this.invoices.values()],
      events: [...this.events.values()],
      meterEvents,
      identifiers: [...this.identifiers.entries()],
      paymentBehavior: [...this.paymentBehavior.entries()],
      checkoutSubscriptionData: [...this.checkoutSubscriptionData.entries()],
    };
  }

  static fromJSON(s: SnapshotV1): Store {
    const store = new Store();
    const fill = <T extends { id: string }>(map: Map<string, T>, list: T[]) => {
      for (const o of list) map.set(o.id, o);
    };
    fill(store.customers, s.customers);
    fill(store.products, s.products);
    fill(store.prices, s.prices);
    fill(store.meters, s.meters);
    fill(store.checkoutSessions, s.checkoutSessions);
    fill(store.portalSessions, s.portalSessions);
    fill(store.subscriptions, s.subscriptions);
    fill(store.invoices, s.invoices);
    fill(store.events, s.events);
    for (const e of s.meterEvents) {
      const { meter, ...rest } = e;
      store.addMeterEvent(meter, { ...rest, value: BigInt(e.value) });
    }
    for (const [k, v] of s.identifiers) store.identifiers.set(k, v);
    for (const [k, v] of s.paymentBehavior) store.paymentBehavior.set(k, v);
    for (const [k, v] of s.checkoutSubscriptionData ?? []) store.checkoutSubscriptionData.set(k, v);
    return store;
  }
}

export interface SnapshotV1 {
  version: 1;
  customers: CustomerObj[];
  products: ProductObj[];
  prices: PriceObj[];
  meters: MeterObj[];
  checkoutSessions: CheckoutSessionObj[];
  portalSessions: PortalSessionObj[];
  subscriptions: SubscriptionObj[];
  invoices: InvoiceObj[];
  events: EventObj[];
  meterEvents: Array<Omit<MeterEventRecord, "value"> & { meter: string; value: string }>;
  identifiers: Array<[string, number]>;
  paymentBehavior: Array<[string, PaymentBehavior]>;
  checkoutSubscriptionData?: Array<[string, CheckoutSubscriptionData]>;
}
