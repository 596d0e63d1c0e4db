// Live relative times ("3 s ago") and running durations that tick without refetching.
"use client";
import { useEffect, useState } from "react";
import { formatDateTime } from "@/lib/format";
import { formatAgo, formatDuration } from "./format";

/** The current time, refreshed every `intervalMs` while the component is mounted. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** "3 s ago", with the exact date and time as a tooltip. */
export function Ago({ value, className }: { value: Date | string | null | undefined; className?: string }) {
  const now = useNow(1000);
  if (!value) return <span className="text-zinc-400">—</span>;
  const d = new Date(value);
  return (
    <time dateTime={d.toISOString()} title={formatDateTime(d)} className={className} suppressHydrationWarning>
      {formatAgo(d, now)}
    </time>
  );
}

/** How long something took, or has been taking when it has not finished. */
export function Elapsed({ startedAt, finishedAt, durationMs }: { startedAt: Date | string | null | undefined; finishedAt?: Date | string | null; durationMs?: number | null }) {
  const now = useNow(1000);
  if (durationMs !== null && durationMs !== undefined) return <>{formatDuration(durationMs)}</>;
  if (!startedAt) return <span className="text-zinc-400">—</span>;
  const end = finishedAt ? new Date(finishedAt).getTime() : now;
  return <span suppressHydrationWarning>{formatDuration(end - new Date(startedAt).getTime())}</span>;
}
