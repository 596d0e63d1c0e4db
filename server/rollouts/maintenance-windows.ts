// Organizations' maintenance windows: weekly slots in their own time zone during which rollouts may upgrade their
// instances. No windows = any time. Times are compared in the organization's zone (Intl), so DST is honoured.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { maintenanceWindows, type MaintenanceWindow } from "@/db/schema";
import { recordAudit } from "@/server/audit/record-audit";
import type { ActorContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";

export type WindowConfig = { timezone: string; windows: MaintenanceWindow[] };

const WEEK = 7 * 24 * 60;
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const maintenanceWindowsInput = z.object({
  orgId: z.uuid(),
  timezone: z.string().trim().refine(isTimeZone, "is not a time zone (use a name such as Europe/Berlin or UTC)"),
  windows: z
    .array(
      z.object({
        days: z.array(z.number().int().min(0).max(6)).min(1, "pick at least one day").max(7),
        start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "use HH:MM (24 h)"),
        durationMinutes: z.number().int().min(30, "must be at least 30 minutes").max(24 * 60, "must be at most 24 hours"),
      }),
    )
    .max(14, "at most 14 windows"),
});

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minute of the week (0 = Sunday 00:00) of `at` in time zone `tz`. */
export function minuteOfWeek(at: Date, tz: string): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return DAY_NAMES.indexOf(parts.weekday!) * 1440 + Number(parts.hour) * 60 + Number(parts.minute);
}

const startMinute = (w: MaintenanceWindow) => Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3, 5));

/** Whether `at` falls in one of the windows (always, when there are none). */
export function isInMaintenanceWindow(config: WindowConfig | undefined, at: Date): boolean {
  if (!config || config.windows.length === 0) return true;
  const m = minuteOfWeek(at, config.timezone);
  return config.windows.some((w) => w.days.some((d) => (((m - (d * 1440 + startMinute(w))) % WEEK) + WEEK) % WEEK < w.durationMinutes));
}

/** When the next window opens after `at` (`at` itself when inside one); to the minute. */
export function nextMaintenanceWindow(config: WindowConfig | undefined, at: Date): Date {
  if (isInMaintenanceWindow(config, at)) return at;
  const m = minuteOfWeek(at, config!.timezone);
  let wait = WEEK;
  for (const w of config!.windows) for (const d of w.days) wait = Math.min(wait, ((((d * 1440 + startMinute(w)) - m) % WEEK) + WEEK) % WEEK);
  const next = new Date(at.getTime() + wait * 60_000);
  next.setUTCSeconds(0, 0);
  // The wait was counted in wall-clock minutes: across a DST change the opening is up to an hour off in real time.
  for (let shift = -60; shift <= 60; shift++) {
    const t = new Date(next.getTime() + shift * 60_000);
    if (t > at && isInMaintenanceWindow(config, t)) return t;
  }
  return next;
}

/** "Tue, Thu 02:00–04:00 (Europe/Berlin)" for notices and pages. */
export function describeWindows(config: WindowConfig | undefined): string {
  if (!config || config.windows.length === 0) return "any time (no maintenance windows set)";
  const end = (w: MaintenanceWindow) => {
    const e = (startMinute(w) + w.durationMinutes) % 1440;
    return `${String(Math.floor(e / 60)).padStart(2, "0")}:${String(e % 60).padStart(2, "0")}`;
  };
  return `${config.windows.map((w) => `${w.days.map((d) => DAY_NAMES[d]).join(", ")} ${w.start}–${end(w)}`).join("; ")} (${config.timezone})`;
}

export async function getMaintenanceWindows(db: DbOrTx, orgId: string): Promise<WindowConfig> {
  const [row] = await db.select().from(maintenanceWindows).where(eq(maintenanceWindows.orgId, orgId));
  return row ? { timezone: row.timezone, windows: row.windows } : { timezone: "UTC", windows: [] };
}

/** The windows of several organizations at once (absent = none set). */
export async function windowsByOrg(db: DbOrTx): Promise<Map<string, WindowConfig>> {
  const rows = await db.select().from(maintenanceWindows);
  return new Map(rows.map((r) => [r.orgId, { timezone: r.timezone, windows: r.windows }]));
}

/** Replaces an organization's maintenance windows (an empty list allows upgrades at any time). */
export async function setMaintenanceWindows(db: Db, ctx: ActorContext, input: z.infer<typeof maintenanceWindowsInput>): Promise<WindowConfig> {
  if (!isTimeZone(input.timezone)) throw new DomainError("BAD_REQUEST", "timezone: is not a time zone", { field: "timezone" });
  const windows = input.windows.map((w) => ({ days: [...new Set(w.days)].sort(), start: w.start, durationMinutes: w.durationMinutes }));
  await db.transaction(async (tx) => {
    await tx
      .insert(maintenanceWindows)
      .values({ orgId: input.orgId, timezone: input.timezone, windows })
      .onConflictDoUpdate({ target: maintenanceWindows.orgId, set: { timezone: input.timezone, windows, updatedAt: new Date() } });
    await recordAudit(tx, ctx, { orgId: input.orgId, action: "maintenance.update", targetType: "organization", targetId: input.orgId, details: { timezone: input.timezone, windows } });
  });
  return { timezone: input.timezone, windows };
}
