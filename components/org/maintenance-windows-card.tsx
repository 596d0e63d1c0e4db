// Maintenance windows on the settings page: the weekly slots (days, start, duration, in the organization's time zone)
// during which rollouts may upgrade its instances. Owners and admins change them; everyone else reads them.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { AppIcon } from "@/components/icons";
import { Alert, Button, Card, CardBody, CardHeader, ErrorMessage, Field, Input, LoadingBlock, Select } from "@/components/ui";
import { useNow } from "@/components/workflows/relative-time";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { useOrg } from "./org-context";

type Config = RouterOutputs["upgrades"]["windows"];
type Window = Config["windows"][number] & { key: number };

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
/** Monday first, as most calendars show a week; values stay 0 = Sunday. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
const DURATIONS = [30, 60, 90, 120, 180, 240, 360, 480, 720, 1440];

function durationLabel(m: number): string {
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

function endOf(w: { start: string; durationMinutes: number }): string {
  const [h, m] = w.start.split(":").map(Number);
  const e = ((h ?? 0) * 60 + (m ?? 0) + w.durationMinutes) % 1440;
  return `${String(Math.floor(e / 60)).padStart(2, "0")}:${String(e % 60).padStart(2, "0")}`;
}

/** "Mon, Wed 02:00–04:00". */
function describe(w: { days: number[]; start: string; durationMinutes: number }): string {
  const days = WEEK_ORDER.filter((d) => w.days.includes(d)).map((d) => DAY_NAMES[d]);
  return `${days.length ? days.join(", ") : "No day"} ${w.start}–${endOf(w)}${w.durationMinutes >= 1440 ? " (all day)" : ""}`;
}

/** Day of week (0 = Sunday) and minute of day of `at` in `tz`. */
function localTime(at: number, tz: string): { day: number; minute: number; text: string } | null {
  try {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at).map((p) => [p.type, p.value]));
    return { day: DAY_NAMES.indexOf(parts.weekday!), minute: Number(parts.hour) * 60 + Number(parts.minute), text: `${parts.weekday} ${parts.hour}:${parts.minute}` };
  } catch {
    return null;
  }
}

function inWindow(windows: Window[], day: number, minute: number): boolean {
  const m = day * 1440 + minute;
  return windows.some((w) => {
    const [h, mm] = w.start.split(":").map(Number);
    return w.days.some((d) => (((m - (d * 1440 + (h ?? 0) * 60 + (mm ?? 0))) % 10080) + 10080) % 10080 < w.durationMinutes);
  });
}

function useTimeZones(current: string): string[] {
  return useMemo(() => {
    let zones: string[];
    try {
      zones = Intl.supportedValuesOf("timeZone");
    } catch {
      zones = [];
    }
    return [...new Set(["UTC", current, ...zones])];
  }, [current]);
}

export function MaintenanceWindowsCard() {
  const org = useOrg();
  const trpc = useTRPC();
  const config = useQuery(trpc.upgrades.windows.queryOptions({ orgId: org.id }));
  const mayManage = can(org.role, "maintenance:manage");
  return (
    <div id="maintenance-windows" className="scroll-mt-6">
      <Card>
        <CardHeader
          title="Maintenance windows"
          description={
            <>
              When rollouts may upgrade your instances, each week, in your time zone. With no window, upgrades may happen at any time. A mandatory security patch past its deadline is applied
              regardless.{!mayManage && " Only owners and admins can change them."}
            </>
          }
        />
        {config.isPending ? (
          <LoadingBlock label="Loading maintenance windows" />
        ) : config.error ? (
          <CardBody>
            <ErrorMessage error={config.error} />
          </CardBody>
        ) : (
          <WindowsForm initial={config.data} readOnly={!mayManage} />
        )}
      </Card>
    </div>
  );
}

let nextKey = 1;
const withKeys = (windows: Config["windows"]): Window[] => windows.map((w) => ({ ...w, days: [...w.days], key: nextKey++ }));

function WindowsForm({ initial, readOnly }: { initial: Config; readOnly: boolean }) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [timezone, setTimezone] = useState(initial.timezone);
  const [windows, setWindows] = useState<Window[]>(() => withKeys(initial.windows));
  const [saved, setSaved] = useState(false);
  const zones = useTimeZones(timezone);
  const now = useNow(30_000);
  const save = useMutation(
    trpc.upgrades.setWindows.mutationOptions({
      onSuccess: async (data) => {
        setSaved(true);
        queryClient.setQueryData(trpc.upgrades.windows.queryKey({ orgId: org.id }), data);
      },
    }),
  );
  const errors = fieldErrorsOf(save.error);
  const plain = (ws: { days: number[]; start: string; durationMinutes: number }[]) => ws.map((w) => ({ days: [...w.days].sort(), start: w.start, durationMinutes: w.durationMinutes }));
  const dirty = timezone !== initial.timezone || JSON.stringify(plain(windows)) !== JSON.stringify(plain(initial.windows));
  const local = localTime(now, timezone);
  const browserZone = typeof Intl !== "undefined" ? Intl.DateTimeFormat().resolvedOptions().timeZone : "UTC";

  const change = (key: number, patch: Partial<Window>) => {
    setSaved(false);
    setWindows((ws) => ws.map((w) => (w.key === key ? { ...w, ...patch } : w)));
  };

  return (
    <form
      aria-label="Maintenance windows"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ orgId: org.id, timezone, windows: plain(windows) });
      }}
    >
      <CardBody className="space-y-4">
        <ErrorMessage error={formErrorMessage(save.error, ["timezone", "windows"])} />
        {saved && !dirty && <Alert tone="success">Maintenance windows saved.</Alert>}
        <div className="flex flex-wrap items-end gap-3">
          <Field label="Time zone" error={errors.timezone} className="w-full max-w-xs">
            <Select
              name="timezone"
              value={timezone}
              disabled={readOnly}
              onChange={(e) => {
                setSaved(false);
                setTimezone(e.target.value);
              }}
            >
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z.replaceAll("_", " ")}
                </option>
              ))}
            </Select>
          </Field>
          {!readOnly && browserZone !== timezone && (
            <Button variant="ghost" size="sm" className="mb-1" onClick={() => (setSaved(false), setTimezone(browserZone))}>
              Use mine ({browserZone.replaceAll("_", " ")})
            </Button>
          )}
        </div>
        {local && (
          <p className="text-sm text-zinc-600">
            It is now <span className="font-medium text-zinc-900 tabular-nums">{local.text}</span> in {timezone.replaceAll("_", " ")}
            {windows.length > 0 && (inWindow(windows, local.day, local.minute) ? ": inside a window, upgrades may run." : ": outside every window.")}
          </p>
        )}

        {windows.length === 0 ? (
          <p className="rounded-md bg-zinc-50 px-4 py-3 text-sm text-zinc-600 ring-1 ring-zinc-200 ring-inset">No windows: rollouts may upgrade your instances at any time.</p>
        ) : (
          <ol className="space-y-3" aria-label="Windows">
            {windows.map((w, index) => (
              <li key={w.key}>
                <fieldset className="rounded-md px-4 py-3 ring-1 ring-zinc-200 ring-inset" aria-label={`Window ${index + 1}`}>
                  <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
                    <p className="text-sm font-medium text-zinc-900">
                      Window {index + 1} <span className="ml-2 font-normal text-zinc-500">{describe(w)}</span>
                    </p>
                    {!readOnly && (
                      <Button variant="ghost-danger" size="sm" onClick={() => (setSaved(false), setWindows((ws) => ws.filter((x) => x.key !== w.key)))} aria-label={`Remove window ${index + 1}`}>
                        Remove
                      </Button>
                    )}
                  </div>
                  <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
                    <div role="group" aria-label="Days" className="flex flex-wrap gap-1.5">
                      {WEEK_ORDER.map((d) => {
                        const on = w.days.includes(d);
                        return (
                          <label
                            key={d}
                            className={`flex cursor-pointer items-center gap-1.5 rounded-md px-2.5 py-1.5 text-sm ring-1 ring-inset select-none ${on ? "bg-brand-50 text-brand-900 ring-brand-200" : "bg-white text-zinc-700 ring-zinc-300"} ${readOnly ? "cursor-default opacity-80" : ""}`}
                          >
                            <input
                              type="checkbox"
                              className="size-3.5 accent-brand-600"
                              checked={on}
                              disabled={readOnly}
                              onChange={(e) => change(w.key, { days: e.target.checked ? [...w.days, d] : w.days.filter((x) => x !== d) })}
                            />
                            {DAY_NAMES[d]}
                          </label>
                        );
                      })}
                    </div>
                    <Field label="Start" className="w-32">
                      <Input type="time" required value={w.start} disabled={readOnly} onChange={(e) => change(w.key, { start: e.target.value.slice(0, 5) })} />
                    </Field>
                    <Field label="Duration" className="w-36">
                      <Select value={w.durationMinutes} disabled={readOnly} onChange={(e) => change(w.key, { durationMinutes: Number(e.target.value) })}>
                        {[...new Set([...DURATIONS, w.durationMinutes])]
                          .sort((a, b) => a - b)
                          .map((m) => (
                            <option key={m} value={m}>
                              {durationLabel(m)}
                            </option>
                          ))}
                      </Select>
                    </Field>
                  </div>
                </fieldset>
              </li>
            ))}
          </ol>
        )}
        {errors.windows && <p className="text-sm text-red-700">Windows: {errors.windows}</p>}

        {!readOnly && (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              variant="secondary"
              disabledReason={windows.length >= 14 ? "At most 14 windows" : null}
              onClick={() => {
                setSaved(false);
                setWindows((ws) => [...ws, { key: nextKey++, days: [6, 0], start: "02:00", durationMinutes: 240 }]);
              }}
            >
              <AppIcon name="plus" className="size-4" /> Add window
            </Button>
            <Button type="submit" loading={save.isPending} disabledReason={dirty ? null : "Nothing changed"}>
              Save windows
            </Button>
          </div>
        )}
      </CardBody>
    </form>
  );
}
