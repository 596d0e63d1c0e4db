// Durations and ages the way the run timelines show them: "850 ms", "1.2 s", "3 min 5 s"; "3 s ago".

/** 850 → "850 ms", 1234 → "1.2 s", 185000 → "3 min 5 s", 4000000 → "1 h 6 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 10_000) {
    const tenths = Math.floor(v / 100) / 10;
    return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)} s`;
  }
  if (v < 60_000) return `${Math.floor(v / 1000)} s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest ? `${m} min ${rest} s` : `${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** "3 s ago", "4 min ago", "2 h ago", "5 days ago"; "in 4 s" for a time ahead. */
export function formatAgo(value: Date | string | number, now: number = Date.now()): string {
  const diff = new Date(value).getTime() - now;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 1000) return diff > 0 ? "now" : "just now";
  if (abs < 60_000) text = `${Math.floor(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)} h`;
  else {
    const d = Math.floor(abs / 86_400_000);
    text = `${d} ${d === 1 ? "day" : "days"}`;
  }
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** "wait-ready" → "Wait ready": step names as words. */
export function humanizeStep(name: string): string {
  const words = name.replace(/[-_]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The first 8 characters of a uuid, enough to tell runs apart on one screen. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

