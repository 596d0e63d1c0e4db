// Maintenance windows: minute of the week in a zone, inside/outside a window (midnight and week wrap, non-UTC zones,
// a DST switch), when the next window opens, the text shown for windows, and the input schema's messages.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  describeWindows,
  isInMaintenanceWindow,
  isTimeZone,
  maintenanceWindowsInput,
  minuteOfWeek,
  nextMaintenanceWindow,
  type WindowConfig,
} from "@/server/rollouts/maintenance-windows";

// 2026-01-04 is a Sunday: the UTC week used below runs Sun 01-04 … Sat 01-10 (and the next Sunday is 01-11).
const at = (iso: string) => new Date(iso);
const SUN = 0, MON = 1, TUE = 2, WED = 3, SAT = 6;
const utc = (...windows: WindowConfig["windows"]): WindowConfig => ({ timezone: "UTC", windows });
const inZone = (timezone: string, ...windows: WindowConfig["windows"]): WindowConfig => ({ timezone, windows });

describe("minuteOfWeek", () => {
  it("counts from Sunday 00:00 in UTC", () => {
    expect(minuteOfWeek(at("2026-01-04T00:00:00Z"), "UTC")).toBe(0);
    expect(minuteOfWeek(at("2026-01-07T12:34:56Z"), "UTC")).toBe(WED * 1440 + 12 * 60 + 34);
    expect(minuteOfWeek(at("2026-01-10T23:59:59Z"), "UTC")).toBe(7 * 1440 - 1);
  });

  it("reads the wall clock of the zone, half-hour offsets and DST included", () => {
    // Asia/Kolkata is UTC+5:30: Sat 18:30 UTC is Sun 00:00 there.
    expect(minuteOfWeek(at("2026-01-03T18:30:00Z"), "Asia/Kolkata")).toBe(0);
    expect(minuteOfWeek(at("2026-01-03T18:29:00Z"), "Asia/Kolkata")).toBe(7 * 1440 - 1);
    // America/New_York: Mon 03:00 UTC is Sun 22:00 EST in winter, Sun 23:00 EDT in summer.
    expect(minuteOfWeek(at("2026-01-05T03:00:00Z"), "America/New_York")).toBe(SUN * 1440 + 22 * 60);
    expect(minuteOfWeek(at("2026-07-06T03:00:00Z"), "America/New_York")).toBe(SUN * 1440 + 23 * 60);
    // Europe/Berlin on 2026-03-29: 01:59 CET, then (one UTC minute later) 03:00 CEST.
    expect(minuteOfWeek(at("2026-03-29T00:59:00Z"), "Europe/Berlin")).toBe(SUN * 1440 + 60 + 59);
    expect(minuteOfWeek(at("2026-03-29T01:00:00Z"), "Europe/Berlin")).toBe(SUN * 1440 + 3 * 60);
  });
});

describe("isInMaintenanceWindow", () => {
  it("is always inside when there are no windows", () => {
    for (const iso of ["2026-01-04T00:00:00Z", "2026-01-07T12:34:56Z", "2026-03-29T01:30:00Z"]) {
      expect(isInMaintenanceWindow(undefined, at(iso))).toBe(true);
      expect(isInMaintenanceWindow(utc(), at(iso))).toBe(true);
      expect(isInMaintenanceWindow(inZone("Asia/Kolkata"), at(iso))).toBe(true);
    }
  });

  it("includes the start minute and excludes the end minute (UTC)", () => {
    const config = utc({ days: [TUE], start: "02:00", durationMinutes: 120 });
    expect(isInMaintenanceWindow(config, at("2026-01-06T01:59:59Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-06T02:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T03:59:59Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T04:00:00Z"))).toBe(false);
    // Same time, other days: outside.
    expect(isInMaintenanceWindow(config, at("2026-01-05T02:30:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-07T02:30:00Z"))).toBe(false);
    // Every week.
    expect(isInMaintenanceWindow(config, at("2026-01-13T02:30:00Z"))).toBe(true);
  });

  it("wraps past midnight into the next day", () => {
    const config = utc({ days: [MON], start: "23:00", durationMinutes: 120 });
    expect(isInMaintenanceWindow(config, at("2026-01-05T22:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-05T23:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T00:30:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T00:59:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T01:00:00Z"))).toBe(false);
  });

  it("wraps past the end of the week (Saturday night into Sunday)", () => {
    const config = utc({ days: [SAT], start: "23:00", durationMinutes: 120 });
    expect(isInMaintenanceWindow(config, at("2026-01-10T23:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-11T00:30:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-04T00:30:00Z"))).toBe(true); // the Sunday that starts the week
    expect(isInMaintenanceWindow(config, at("2026-01-11T01:00:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-10T22:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-05T00:30:00Z"))).toBe(false); // Monday: not covered
  });

  it("is inside when any day of any window matches", () => {
    const config = utc({ days: [MON, WED], start: "01:00", durationMinutes: 30 }, { days: [SAT], start: "12:00", durationMinutes: 60 });
    expect(isInMaintenanceWindow(config, at("2026-01-05T01:10:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-07T01:10:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T01:10:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-10T12:59:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-10T13:00:00Z"))).toBe(false);
  });

  it("compares in America/New_York, following its DST offset", () => {
    const config = inZone("America/New_York", { days: [MON], start: "22:00", durationMinutes: 60 });
    // Winter (EST, UTC-5): Mon 22:00 = Tue 03:00 UTC.
    expect(isInMaintenanceWindow(config, at("2026-01-06T02:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-06T03:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T03:59:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-06T04:00:00Z"))).toBe(false);
    // Summer (EDT, UTC-4): Mon 22:00 = Tue 02:00 UTC, and 03:00 UTC is already the end.
    expect(isInMaintenanceWindow(config, at("2026-07-07T01:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-07-07T02:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-07-07T03:00:00Z"))).toBe(false);
    // Mon 22:00 UTC is Mon 17:00 in New York: outside.
    expect(isInMaintenanceWindow(config, at("2026-01-05T22:30:00Z"))).toBe(false);
  });

  it("compares in Asia/Kolkata with its +5:30 offset", () => {
    const config = inZone("Asia/Kolkata", { days: [SUN], start: "02:00", durationMinutes: 30 });
    // Sun 02:00 IST = Sat 20:30 UTC.
    expect(isInMaintenanceWindow(config, at("2026-01-03T20:29:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-01-03T20:30:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-03T20:59:59Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-01-03T21:00:00Z"))).toBe(false);
    // Sun 02:00 UTC is Sun 07:30 IST: outside.
    expect(isInMaintenanceWindow(config, at("2026-01-04T02:10:00Z"))).toBe(false);
  });

  it("follows the wall clock across Europe/Berlin's switch to summer time (2026-03-29)", () => {
    const config = inZone("Europe/Berlin", { days: [SUN], start: "03:00", durationMinutes: 60 });
    // The Sunday before (CET, UTC+1): 03:00–04:00 local = 02:00–03:00 UTC.
    expect(isInMaintenanceWindow(config, at("2026-03-22T01:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-03-22T02:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-03-22T02:59:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-03-22T03:00:00Z"))).toBe(false);
    // The switch day: 02:00 CET jumps to 03:00 CEST (UTC+2), so 03:00–04:00 local = 01:00–02:00 UTC.
    expect(isInMaintenanceWindow(config, at("2026-03-29T00:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(config, at("2026-03-29T01:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-03-29T01:59:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(config, at("2026-03-29T02:00:00Z"))).toBe(false);
    // A window over the skipped hour (01:00–03:00 local) lasts one real hour that day: 00:00–01:00 UTC.
    const overGap = inZone("Europe/Berlin", { days: [SUN], start: "01:00", durationMinutes: 120 });
    expect(isInMaintenanceWindow(overGap, at("2026-03-28T23:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(overGap, at("2026-03-29T00:00:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(overGap, at("2026-03-29T00:59:00Z"))).toBe(true);
    expect(isInMaintenanceWindow(overGap, at("2026-03-29T01:00:00Z"))).toBe(false);
  });
});

describe("nextMaintenanceWindow", () => {
  it("is now when there are no windows", () => {
    const now = at("2026-01-07T12:34:56.789Z");
    expect(nextMaintenanceWindow(undefined, now).getTime()).toBe(now.getTime());
    expect(nextMaintenanceWindow(utc(), now).getTime()).toBe(now.getTime());
  });

  it("is now (to the millisecond) when inside a window", () => {
    const now = at("2026-01-06T02:17:42.123Z");
    expect(nextMaintenanceWindow(utc({ days: [TUE], start: "02:00", durationMinutes: 60 }), now).getTime()).toBe(now.getTime());
  });

  it("finds an opening later the same day, to the minute", () => {
    const config = utc({ days: [TUE], start: "02:00", durationMinutes: 60 }, { days: [TUE], start: "14:00", durationMinutes: 60 });
    expect(nextMaintenanceWindow(config, at("2026-01-06T05:17:42.500Z")).toISOString()).toBe("2026-01-06T14:00:00.000Z");
    expect(nextMaintenanceWindow(config, at("2026-01-06T13:59:59.999Z")).toISOString()).toBe("2026-01-06T14:00:00.000Z");
    expect(nextMaintenanceWindow(config, at("2026-01-06T00:00:00Z")).toISOString()).toBe("2026-01-06T02:00:00.000Z");
  });

  it("finds next week's opening when the only window just passed", () => {
    const config = utc({ days: [TUE], start: "02:00", durationMinutes: 120 });
    expect(nextMaintenanceWindow(config, at("2026-01-06T04:00:00Z")).toISOString()).toBe("2026-01-13T02:00:00.000Z");
    expect(nextMaintenanceWindow(config, at("2026-01-06T04:00:31Z")).toISOString()).toBe("2026-01-13T02:00:00.000Z");
  });

  it("takes the nearest of several days and windows, across the week end", () => {
    const config = utc({ days: [MON, WED], start: "01:00", durationMinutes: 30 }, { days: [SAT], start: "12:00", durationMinutes: 60 });
    expect(nextMaintenanceWindow(config, at("2026-01-05T02:00:00Z")).toISOString()).toBe("2026-01-07T01:00:00.000Z");
    expect(nextMaintenanceWindow(config, at("2026-01-08T00:00:00Z")).toISOString()).toBe("2026-01-10T12:00:00.000Z");
    expect(nextMaintenanceWindow(config, at("2026-01-10T13:00:00Z")).toISOString()).toBe("2026-01-12T01:00:00.000Z");
  });

  it("finds openings in non-UTC zones", () => {
    const kolkata = inZone("Asia/Kolkata", { days: [SUN], start: "02:00", durationMinutes: 30 });
    expect(nextMaintenanceWindow(kolkata, at("2026-01-03T12:00:00Z")).toISOString()).toBe("2026-01-03T20:30:00.000Z");
    expect(nextMaintenanceWindow(kolkata, at("2026-01-03T21:00:00Z")).toISOString()).toBe("2026-01-10T20:30:00.000Z");
    const newYork = inZone("America/New_York", { days: [MON], start: "22:00", durationMinutes: 60 });
    expect(nextMaintenanceWindow(newYork, at("2026-01-05T12:00:00Z")).toISOString()).toBe("2026-01-06T03:00:00.000Z");
    expect(nextMaintenanceWindow(newYork, at("2026-07-06T12:00:00Z")).toISOString()).toBe("2026-07-07T02:00:00.000Z");
  });

  it("lands inside a window, with the minute before it outside (weeks without a DST change)", () => {
    const configs = [
      utc({ days: [TUE], start: "02:00", durationMinutes: 30 }),
      utc({ days: [SAT], start: "23:30", durationMinutes: 45 }, { days: [WED], start: "09:15", durationMinutes: 30 }),
      inZone("Asia/Kolkata", { days: [MON, 4], start: "00:45", durationMinutes: 30 }),
      inZone("America/New_York", { days: [SUN, 5], start: "21:00", durationMinutes: 90 }),
      inZone("Europe/Berlin", { days: [3], start: "04:00", durationMinutes: 60 }),
    ];
    // Every 97 minutes (and 13 s) through January 2026, when none of these zones changes its offset.
    for (let t = Date.parse("2026-01-04T00:00:00Z"); t < Date.parse("2026-01-25T00:00:00Z"); t += 97 * 60_000 + 13_000) {
      for (const config of configs) {
        const now = new Date(t);
        const next = nextMaintenanceWindow(config, now);
        expect(next.getTime()).toBeGreaterThanOrEqual(now.getTime());
        expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(7 * 24 * 3600_000);
        expect(isInMaintenanceWindow(config, next)).toBe(true);
        if (next.getTime() !== now.getTime()) {
          expect(next.getUTCSeconds() * 1000 + next.getUTCMilliseconds()).toBe(0);
          expect(isInMaintenanceWindow(config, new Date(next.getTime() - 60_000))).toBe(false);
        }
      }
    }
  });

  // Known bug (see the report): the wait is counted in wall-clock minutes but added as elapsed minutes, so across a
  // DST change the opening is off by the offset change (here one hour late: 05:00 CEST, after a 60-minute window ends).
  it("finds the opening across Europe/Berlin's switch to summer time (2026-03-29)", () => {
    const config = inZone("Europe/Berlin", { days: [SUN], start: "04:00", durationMinutes: 60 });
    // Sat 12:00 CET → Sun 04:00 CEST = 02:00 UTC.
    const fromSaturday = nextMaintenanceWindow(config, at("2026-03-28T11:00:00Z"));
    expect(fromSaturday.toISOString()).toBe("2026-03-29T02:00:00.000Z");
    expect(isInMaintenanceWindow(config, fromSaturday)).toBe(true);
    // 01:30 CET on the switch day itself → 04:00 CEST = 02:00 UTC.
    expect(nextMaintenanceWindow(config, at("2026-03-29T00:30:00Z")).toISOString()).toBe("2026-03-29T02:00:00.000Z");
    // A window starting in the skipped hour (02:30–03:30 local) opens when the clocks reach 03:00 CEST (01:00 UTC).
    const inGap = inZone("Europe/Berlin", { days: [SUN], start: "02:30", durationMinutes: 60 });
    expect(isInMaintenanceWindow(inGap, at("2026-03-29T00:59:00Z"))).toBe(false);
    expect(isInMaintenanceWindow(inGap, at("2026-03-29T01:00:00Z"))).toBe(true);
    expect(nextMaintenanceWindow(inGap, at("2026-03-28T11:00:00Z")).toISOString()).toBe("2026-03-29T01:00:00.000Z");
  });

  // The same bug the other way round: one hour early (03:00 CET, before the window opens) when clocks go back.
  it("finds the opening across Europe/Berlin's switch back to winter time (2026-10-25)", () => {
    const config = inZone("Europe/Berlin", { days: [SUN], start: "04:00", durationMinutes: 60 });
    // Sat 12:00 CEST → Sun 04:00 CET = 03:00 UTC.
    const fromSaturday = nextMaintenanceWindow(config, at("2026-10-24T10:00:00Z"));
    expect(fromSaturday.toISOString()).toBe("2026-10-25T03:00:00.000Z");
    expect(isInMaintenanceWindow(config, fromSaturday)).toBe(true);
  });
});

describe("describeWindows", () => {
  it("says any time when there are none", () => {
    expect(describeWindows(undefined)).toBe("any time (no maintenance windows set)");
    expect(describeWindows(utc())).toBe("any time (no maintenance windows set)");
  });

  it("lists days, start–end and the zone", () => {
    expect(describeWindows(inZone("Europe/Berlin", { days: [TUE, 4], start: "02:00", durationMinutes: 120 }))).toBe("Tue, Thu 02:00–04:00 (Europe/Berlin)");
    expect(describeWindows(utc({ days: [SAT], start: "23:00", durationMinutes: 120 }))).toBe("Sat 23:00–01:00 (UTC)");
    expect(describeWindows(inZone("Asia/Kolkata", { days: [SUN], start: "02:15", durationMinutes: 45 }, { days: [MON, WED], start: "22:30", durationMinutes: 1440 }))).toBe(
      "Sun 02:15–03:00; Mon, Wed 22:30–22:30 (Asia/Kolkata)",
    );
  });
});

describe("isTimeZone", () => {
  it("accepts IANA names and UTC", () => {
    for (const tz of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]) expect(isTimeZone(tz)).toBe(true);
  });

  it("rejects what is not a zone", () => {
    for (const tz of ["", "Mars/Olympus", "Europe/Atlantis", "not a zone"]) expect(isTimeZone(tz)).toBe(false);
  });
});

describe("maintenanceWindowsInput", () => {
  const orgId = randomUUID();
  const window = { days: [TUE], start: "02:00", durationMinutes: 60 };
  const issuesOf = (input: unknown) => {
    const result = maintenanceWindowsInput.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  };

  it("accepts a valid configuration, and none, trimming the zone", () => {
    const parsed = maintenanceWindowsInput.parse({ orgId, timezone: " Europe/Berlin ", windows: [window, { days: [0, 1, 2, 3, 4, 5, 6], start: "23:59", durationMinutes: 1440 }] });
    expect(parsed.timezone).toBe("Europe/Berlin");
    expect(parsed.windows).toHaveLength(2);
    expect(issuesOf({ orgId, timezone: "UTC", windows: [] })).toEqual([]);
    expect(issuesOf({ orgId, timezone: "UTC", windows: [{ ...window, start: "00:00", durationMinutes: 30 }] })).toEqual([]);
  });

  it("rejects a bad time zone", () => {
    expect(issuesOf({ orgId, timezone: "Mars/Olympus", windows: [window] })).toEqual([
      { path: "timezone", message: "is not a time zone (use a name such as Europe/Berlin or UTC)" },
    ]);
  });

  it("rejects a start that is not HH:MM (24 h)", () => {
    for (const start of ["25:00", "24:00", "23:60", "2:00", "02:00:00", "noon"]) {
      expect(issuesOf({ orgId, timezone: "UTC", windows: [{ ...window, start }] })).toEqual([{ path: "windows.0.start", message: "use HH:MM (24 h)" }]);
    }
  });

  it("rejects a window without days, and days outside 0–6", () => {
    expect(issuesOf({ orgId, timezone: "UTC", windows: [{ ...window, days: [] }] })).toEqual([{ path: "windows.0.days", message: "pick at least one day" }]);
    expect(issuesOf({ orgId, timezone: "UTC", windows: [{ ...window, days: [7] }] }).map((i) => i.path)).toEqual(["windows.0.days.0"]);
    expect(issuesOf({ orgId, timezone: "UTC", windows: [{ ...window, days: [-1] }] }).map((i) => i.path)).toEqual(["windows.0.days.0"]);
  });

  it("rejects durations under 30 minutes or over 24 hours", () => {
    expect(issuesOf({ orgId, timezone: "UTC", windows: [{ ...window, durationMinutes: 29 }] })).toEqual([
      { path: "windows.0.durationMinutes", message: "must be at least 30 minutes" },
    ]);
    expect(issuesOf({ orgId, timezone: "UTC", windows: [window, { ...window, durationMinutes: 24 * 60 + 1 }] })).toEqual([
      { path: "windows.1.durationMinutes", message: "must be at most 24 hours" },
    ]);
  });

  it("rejects more than 14 windows", () => {
    expect(issuesOf({ orgId, timezone: "UTC", windows: Array.from({ length: 15 }, () => window) })).toEqual([{ path: "windows", message: "at most 14 windows" }]);
    expect(issuesOf({ orgId, timezone: "UTC", windows: Array.from({ length: 14 }, () => window) })).toEqual([]);
  });
});
