// The Prometheus text writer: escaping of label values and HELP text, special values, names and family layout.
import { describe, expect, it } from "vitest";
import { escapeHelp, escapeLabelValue, formatValue, renderExposition, renderFamily } from "@/server/metrics/exposition";

describe("Prometheus exposition writer", () => {
  it("escapes backslashes, double quotes and line feeds in label values", () => {
    expect(escapeLabelValue('C:\\path "quoted"\nnext')).toBe('C:\\\\path \\"quoted\\"\\nnext');
    expect(escapeLabelValue("plain-value_1")).toBe("plain-value_1");
  });

  it("escapes backslashes and line feeds in HELP but leaves double quotes", () => {
    expect(escapeHelp('a "b" \\ c\nd')).toBe('a "b" \\\\ c\\nd');
  });

  it("writes HELP, TYPE and one line per sample with escaped labels", () => {
    const text = renderFamily({
      name: "fleetplane_test",
      help: "Two lines\nof help.",
      type: "gauge",
      samples: [{ value: 1 }, { labels: { queue: "a\\b", state: 'say "hi"\n' }, value: 2.5 }],
    });
    expect(text).toBe(
      ["# HELP fleetplane_test Two lines\\nof help.", "# TYPE fleetplane_test gauge", "fleetplane_test 1", 'fleetplane_test{queue="a\\\\b",state="say \\"hi\\"\\n"} 2.5', ""].join("\n"),
    );
  });

  it("spells NaN and infinities the Prometheus way", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(-1.25)).toBe("-1.25");
  });

  it("refuses invalid metric and label names and duplicate families", () => {
    expect(() => renderFamily({ name: "bad-name", help: "", type: "gauge", samples: [] })).toThrow(/invalid metric name/);
    expect(() => renderFamily({ name: "ok", help: "", type: "gauge", samples: [{ labels: { "bad-label": "x" }, value: 1 }] })).toThrow(/invalid label name/);
    expect(() => renderFamily({ name: "ok", help: "", type: "gauge", samples: [{ labels: { __reserved: "x" }, value: 1 }] })).toThrow(/invalid label name/);
    const f = { name: "twice", help: "h", type: "counter" as const, samples: [{ value: 1 }] };
    expect(() => renderExposition([f, f])).toThrow(/twice/);
  });

  it("writes a family without samples as HELP and TYPE only", () => {
    expect(renderExposition([{ name: "empty_total", help: "Nothing yet.", type: "counter", samples: [] }])).toBe("# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n");
  });
});
