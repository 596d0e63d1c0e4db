// Exact decimal arithmetic for meter values and unit_amount_decimal (fixed point, 12 fractional digits, BigInt).

const SCALE_DIGITS = 12;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

/** Parses "12", "-3.5", "0.000001" into a scaled BigInt; null when the text is not a decimal number. */
export function parseDecimal(text: string): bigint | null {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const frac = (m[3] ?? "").slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, "0");
  const v = BigInt(m[2] ?? "0") * SCALE + BigInt(frac);
  return m[1] ? -v : v;
}

export function fromInt(n: number): bigint {
  return BigInt(Math.trunc(n)) * SCALE;
}

/** The shortest decimal text of a scaled value: "12", "0.5". */
export function formatDecimal(v: bigint): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const int = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(SCALE_DIGITS, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

/** As a JS number (exact for integers up to 2^53). */
export function toNumber(v: bigint): number {
  return Number.parseFloat(formatDecimal(v));
}

/** quantity × unit price, rounded half away from zero to whole minor units (cents). */
export function multiplyToMinorUnits(quantity: bigint, unitAmount: bigint): number {
  const product = quantity * unitAmount; // scale²
  const divisor = SCALE * SCALE;
  const neg = product < 0n;
  const abs = neg ? -product : product;
  const rounded = (abs + divisor / 2n) / divisor;
  return Number(neg ? -rounded : rounded);
}
