// A date shown in the reader's time zone; the machine-readable value stays in the dateTime attribute.
import { formatDate, formatDateTime, formatRelative } from "@/lib/format";

export function Time({ value, mode = "datetime" }: { value: Date | string | null | undefined; mode?: "datetime" | "date" | "relative" }) {
  if (!value) return <span className="text-zinc-400">—</span>;
  const d = new Date(value);
  const text = mode === "date" ? formatDate(d) : mode === "relative" ? formatRelative(d) : formatDateTime(d);
  return (
    <time dateTime={d.toISOString()} title={formatDateTime(d)} suppressHydrationWarning>
      {text}
    </time>
  );
}
