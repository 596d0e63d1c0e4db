// Prometheus text exposition format 0.0.4: metric families with # HELP and # TYPE lines, escaped label values.
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge";
export type Labels = Record<string, string>;
export type Sample = { labels?: Labels; value: number };
export type MetricFamily = { name: string; help: string; type: MetricType; samples: Sample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value inside double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: backslash and line feed escaped (double quotes stay as they are). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value as Go's ParseFloat reads it, with NaN, +Inf and -Inf spelled the Prometheus way. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`invalid label name ${JSON.stringify(name)}`);
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** One family: its HELP and TYPE lines and a line per sample. Throws on an invalid metric or label name. */
export function renderFamily(family: MetricFamily): string {
  if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const s of family.samples) lines.push(`${family.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  return lines.join("\n") + "\n";
}

/** A whole exposition; each family name may appear once. */
export function renderExposition(families: MetricFamily[]): string {
  const seen = new Set<string>();
  let out = "";
  for (const f of families) {
    if (seen.has(f.name)) throw new Error(`metric family ${f.name} appears twice`);
    seen.add(f.name);
    out += renderFamily(f);
  }
  return out;
}
