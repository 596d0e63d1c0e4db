// Meter aggregation shared by event summaries, invoices and the admin totals: sum, count or last over a time range.
import { formatDecimal, fromInt, toNumber } from "./decimal";
import type { MeterEventRecord, Store } from "./store";
import type { MeterObj } from "./types";

/** Aggregates records (already filtered to one meter and customer) per the meter's formula; a scaled decimal. */
export function aggregate(records: MeterEventRecord[], formula: MeterObj["default_aggregation"]["formula"]): bigint {
  if (formula === "count") return fromInt(records.length);
  if (formula === "last") {
    let last: MeterEventRecord | undefined;
    for (const r of records) if (!last || r.timestamp >= last.timestamp) last = r;
    return last?.value ?? 0n;
  }
  let sum = 0n;
  for (const r of records) sum += r.value;
  return sum;
}

/** Events of a meter for a customer with timestamp in [start, end), optionally only those old enough to be aggregated. */
export function eventsInRange(store: Store, meterId: string, customer: string, start: number, end: number, visibleBeforeMs?: number): MeterEventRecord[] {
  return store
    .meterEventsFor(meterId, customer)
    .filter((r) => r.timestamp >= start && r.timestamp < end && (visibleBeforeMs === undefined || r.receivedAtMs <= visibleBeforeMs));
}

export interface MeterTotalRow {
  meter: string;
  event_name: string;
  customer: string;
  /** Start of the hour (unix seconds). */
  hour: number;
  value: number;
  value_decimal: string;
  events: number;
}

/** Per meter, customer and hour: the aggregate of the events received so far (ignores the aggregation delay). */
export function meterTotals(store: Store, filter: { meter?: string; customer?: string; from?: number; to?: number }): MeterTotalRow[] {
  const rows: MeterTotalRow[] = [];
  for (const [meterId, byCustomer] of store.meterEvents) {
    if (filter.meter && filter.meter !== meterId) continue;
    const meter = store.meters.get(meterId);
    if (!meter) continue;
    for (const [customer, records] of byCustomer) {
      if (filter.customer && filter.customer !== customer) continue;
      const byHour = new Map<number, MeterEventRecord[]>();
      for (const r of records) {
        if (filter.from !== undefined && r.timestamp < filter.from) continue;
        if (filter.to !== undefined && r.timestamp >= filter.to) continue;
        const hour = Math.floor(r.timestamp / 3600) * 3600;
        const list = byHour.get(hour);
        if (list) list.push(r);
        else byHour.set(hour, [r]);
      }
      for (const [hour, list] of [...byHour].sort((a, b) => a[0] - b[0])) {
        const v = aggregate(list, meter.default_aggregation.formula);
        rows.push({ meter: meterId, event_name: meter.event_name, customer, hour, value: toNumber(v), value_decimal: formatDecimal(v), events: list.length });
      }
    }
  }
  return rows;
}
