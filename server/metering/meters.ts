// The usage meters Fleetplane bills: what each measures, its unit, its Stripe event name and its price.
import type { MeterKey } from "@/db/schema";

export type MeterDefinition = {
  key: MeterKey;
  label: string;
  /** Unit of one quantity, as shown to customers and on Stripe invoices. */
  unit: string;
  /** Stripe Billing Meter event name; stable, since meter events are sent under it. */
  eventName: string;
  /** Price per unit in cents, as a decimal string (Stripe `unit_amount_decimal`, at most 12 decimals). */
  unitAmountCents: string;
};

/**
 * Rates: $0.04 per vCPU-hour, $0.005 per GiB-hour of memory, $0.0002 per GiB-hour of storage, $0.20 per million
 * requests. Per second where the meter is per second.
 */
export const METERS: Record<MeterKey, MeterDefinition> = {
  vcpu_seconds: { key: "vcpu_seconds", label: "Compute", unit: "vCPU-second", eventName: "fleetplane_vcpu_seconds", unitAmountCents: "0.001111111111" },
  memory_gib_seconds: { key: "memory_gib_seconds", label: "Memory", unit: "GiB-second", eventName: "fleetplane_memory_gib_seconds", unitAmountCents: "0.000138888889" },
  storage_gib_hours: { key: "storage_gib_hours", label: "Storage", unit: "GiB-hour", eventName: "fleetplane_storage_gib_hours", unitAmountCents: "0.02" },
  requests: { key: "requests", label: "Requests", unit: "request", eventName: "fleetplane_requests", unitAmountCents: "0.00002" },
};

export const METER_LIST = Object.values(METERS);

export const MICRO = 1_000_000n;

/** A quantity in millionths as the exact decimal string Stripe and people read ("12.5", "0.000001"). */
export function formatMicro(micro: bigint): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / MICRO;
  const frac = (abs % MICRO).toString().padStart(6, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** Cost in cents (a float, for estimates only: Stripe computes the invoice) of a quantity at a meter's rate. */
export function estimateCents(meter: MeterKey, micro: bigint): number {
  return (Number(micro) / 1e6) * Number(METERS[meter].unitAmountCents);
}
