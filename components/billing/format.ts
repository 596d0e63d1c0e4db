// How usage and money read on the billing pages: each meter in a human unit (vCPU-hours, GiB-hours), its colour, and amounts.
import { formatPrice } from "@/lib/format";

export type MeterKey = "vcpu_seconds" | "memory_gib_seconds" | "storage_gib_hours" | "requests";

/** A meter as the API describes it: its key, label, unit and price per unit in cents (a decimal string). */
export type ApiMeter = { key: string; label: string; unit: string; unitAmountCents: string };

export type MeterUsage = Record<MeterKey, string>;

type MeterDisplay = {
  key: MeterKey;
  label: string;
  /** The unit people read, and how many API units make one of it. */
  unit: string;
  per: number;
  /** Unit a price is quoted per ("per million requests"), and how many display units that is. */
  priceUnit: string;
  pricePer: number;
  swatch: string;
};

export const METER_DISPLAY: readonly MeterDisplay[] = [
  { key: "vcpu_seconds", label: "Compute", unit: "vCPU-hours", per: 3600, priceUnit: "vCPU-hour", pricePer: 1, swatch: "bg-brand-500" },
  { key: "memory_gib_seconds", label: "Memory", unit: "GiB-hours", per: 3600, priceUnit: "GiB-hour", pricePer: 1, swatch: "bg-sky-400" },
  { key: "storage_gib_hours", label: "Storage", unit: "GiB-hours", per: 1, priceUnit: "GiB-hour", pricePer: 1, swatch: "bg-amber-400" },
  { key: "requests", label: "Requests", unit: "requests", per: 1, priceUnit: "million requests", pricePer: 1_000_000, swatch: "bg-rose-400" },
];

/** A meter's quantity (API units, decimal string) in its display unit. */
export function displayQuantity(meter: MeterDisplay, value: string | undefined): number {
  return Number(value ?? 0) / meter.per;
}

const quantity = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** "12.5", "<0.01", "1,204"; requests as whole numbers, compact above a million. */
export function formatQuantity(meter: MeterDisplay, value: number): string {
  if (meter.key === "requests") return value >= 1_000_000 ? compact.format(value) : whole.format(value);
  if (value > 0 && value < 0.01) return "<0.01";
  return quantity.format(value);
}

/** An estimate in cents (fractions allowed) as dollars: "$12.34", "<$0.01". */
export function formatCents(cents: number): string {
  if (cents > 0 && cents < 1) return "<$0.01";
  return formatPrice(cents);
}

/** A round axis value in cents as dollars, with as many decimals as it needs ("$0.50", "$0.0025"). */
export function formatAxisCents(cents: number): string {
  const dollars = cents / 100;
  if (dollars === 0 || dollars >= 0.01) return formatPrice(cents);
  return `$${Number(dollars.toPrecision(2))}`;
}

/** An invoice amount in the currency's smallest unit. */
export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(amount / 100);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

/** Estimated cost in cents of one meter's quantity at the API's unit price. */
export function meterCents(meters: readonly ApiMeter[], key: MeterKey, value: string | undefined): number {
  const m = meters.find((x) => x.key === key);
  return m ? Number(value ?? 0) * Number(m.unitAmountCents) : 0;
}

/** "$0.04 per vCPU-hour", from the API's price per API unit. */
export function formatRate(meters: readonly ApiMeter[], display: MeterDisplay): string {
  const m = meters.find((x) => x.key === display.key);
  if (!m) return "";
  const dollars = (Number(m.unitAmountCents) * display.per * display.pricePer) / 100;
  const text = dollars >= 0.01 ? `$${dollars.toFixed(2)}` : `$${Number(dollars.toPrecision(2))}`;
  return `${text} per ${display.priceUnit}`;
}

/** A round upper bound for a chart axis: 1, 2, 2.5 or 5 times a power of ten. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}
