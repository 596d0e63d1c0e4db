// One rollout in the provider console: its status (and why it is paused), the version and its release notes, counts
// per instance status, a row per wave, progress over time, its own runs (announce, wave-1, …) step by step, the
// operator's actions, and every instance's upgrade with a link to its run. Refreshes every 2 s while live.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { usePlatformRole } from "@/components/admin/admin-context";
import { Alert, Badge, Button, Card, CardBody, CardHeader, EmptyState, ErrorMessage, Input, LoadingBlock, Select, Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { formatDuration, shortId } from "@/components/workflows/format";
import { Ago, Elapsed } from "@/components/workflows/relative-time";
import { isRunMoving, RunStatusBadge } from "@/components/workflows/run-status";
import { StepTimeline } from "@/components/workflows/step-timeline";
import { formatDateTime } from "@/lib/format";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { ProgressChart } from "./progress-chart";
import { RolloutActions } from "./rollout-actions";
import {
  BarLegend, describeThreshold, describeWavePlan, formatSeconds, isRolloutLive, RolloutStatusBadge, SegmentedBar, TARGET_STATUSES, targetLabel, TargetStatusBadge, targetText,
} from "./rollout-look";

type Rollout = RouterOutputs["rollouts"]["get"];
type Target = Rollout["targets"][number];

const POLL_MS = 2_000;
/** The instance statuses counted on top, in the order people follow a rollout. */
const COUNTED = ["pending", "scheduled", "deferred", "in_progress", "done", "failed", "skipped", "rolled_back"] as const;
const PAGE = 100;

export function RolloutPage({ rolloutId }: { rolloutId: string }) {
  const trpc = useTRPC();
  const mayManage = canPlatform(usePlatformRole(), "rollouts:manage");
  const query = useQuery({
    ...trpc.rollouts.get.queryOptions({ rolloutId }),
    refetchInterval: (q) => (!q.state.data || isRolloutLive(q.state.data.rollout.status) ? POLL_MS : false),
  });
  const [statusFilter, setStatusFilter] = useState("");
  const back = (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm">
      <Link href="/admin/rollouts" className="text-zinc-500 hover:text-zinc-800">
        ← Rollouts
      </Link>
    </nav>
  );
  if (query.isPending || query.error) {
    return (
      <>
        {back}
        {query.error ? (
          <ErrorMessage error={query.error} />
        ) : (
          <Card>
            <LoadingBlock label="Loading the rollout" />
          </Card>
        )}
      </>
    );
  }
  const data = query.data;
  const r = data.rollout;
  const live = isRolloutLive(r.status);
  return (
    <>
      {back}
      <div className="mb-4 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-zinc-900">
            {data.service.name} {data.version.version}
            <RolloutStatusBadge status={r.status} className="text-sm" />
          </h1>
          <p className="mt-1 flex flex-wrap gap-x-2 text-xs text-zinc-500">
            <span>
              Rollout <code className="font-mono">{shortId(r.id)}</code> by <span className="font-medium text-zinc-700">{r.createdBy}</span> <Ago value={r.createdAt} />
            </span>
            <span aria-hidden="true">·</span>
            <span>
              {r.targetCount} instance{r.targetCount === 1 ? "" : "s"} in {r.waveCount} wave{r.waveCount === 1 ? "" : "s"}
            </span>
            {r.finishedAt && (
              <>
                <span aria-hidden="true">·</span>
                <span>
                  ended <Ago value={r.finishedAt} /> after {formatDuration(new Date(r.finishedAt).getTime() - new Date(r.startsAt).getTime())}
                </span>
              </>
            )}
            {live && <span className="text-zinc-400">· refreshing every 2 s</span>}
          </p>
        </div>
        <RolloutActions rollout={data} mayManage={mayManage} />
      </div>

      <StatusNotice rollout={data} />

      <div className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-8" role="group" aria-label="Instances by status">
        {COUNTED.map((s) => {
          const n = data.counts[s] ?? 0;
          const active = statusFilter === s;
          return (
            <button
              key={s}
              type="button"
              aria-pressed={active}
              onClick={() => setStatusFilter(active ? "" : s)}
              className={cn("rounded-lg bg-white px-3 py-2.5 text-left shadow-sm ring-1 transition-colors hover:bg-zinc-50", active ? "ring-2 ring-brand-500" : "ring-zinc-200")}
            >
              <span className="block text-xs font-medium tracking-wide whitespace-nowrap text-zinc-500 uppercase">{targetLabel(s)}</span>
              <span className={cn("mt-0.5 block text-2xl font-semibold tabular-nums", n ? targetText(s) : "text-zinc-300")}>{n}</span>
            </button>
          );
        })}
      </div>

      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem] xl:items-start">
        <div className="min-w-0 space-y-6">
          <WavesCard rollout={data} />
          <Card>
            <CardHeader title="Progress over time" description="Upgrades finished since the rollout began." />
            <CardBody>
              <ProgressChart targets={data.targets} total={r.targetCount} startedAt={r.startsAt} finishedAt={r.finishedAt} live={live} />
            </CardBody>
          </Card>
        </div>
        <div className="space-y-6">
          <ReleaseCard rollout={data} />
          <RunsCard rollout={data} />
          <SettingsCard rollout={data} />
        </div>
      </div>

      <div className="mt-6">
        <TargetsCard rollout={data} statusFilter={statusFilter} setStatusFilter={setStatusFilter} />
      </div>
    </>
  );
}

function StatusNotice({ rollout: data }: { rollout: Rollout }) {
  const r = data.rollout;
  if (r.status === "paused") {
    return (
      <Alert tone="warning" className="mb-6 text-base" title={`Paused: ${r.pauseReason ?? "no reason recorded"}`}>
        No new upgrade starts; upgrades already under way finish. Resume to go on (optionally with a fixed version), abort to stop for good, or roll back.
      </Alert>
    );
  }
  if (r.status === "failed") {
    return (
      <Alert tone="error" className="mb-6" title="The rollout failed">
        {r.pauseReason ?? "Its run failed."}
      </Alert>
    );
  }
  if (r.status === "scheduled") {
    return (
      <Alert tone="info" className="mb-6">
        Starts {formatDateTime(r.startsAt)}. Customers have been told; nothing is upgraded before then.
      </Alert>
    );
  }
  if (r.status === "rolling_back") return <Alert tone="warning" className="mb-6">Rolling back: every instance this rollout upgraded returns to the version it ran before.</Alert>;
  if (r.status === "aborted") return <Alert tone="info" className="mb-6">Aborted: instances not reached were skipped; those already upgraded keep {data.version.version}.</Alert>;
  if (r.status === "rolled_back") return <Alert tone="info" className="mb-6">Rolled back: the instances it upgraded are on their previous versions again.</Alert>;
  return null;
}

function WavesCard({ rollout: data }: { rollout: Rollout }) {
  const r = data.rollout;
  const present = TARGET_STATUSES.filter((s) => (data.counts[s] ?? 0) > 0 || s === "done" || s === "failed");
  return (
    <Card>
      <CardHeader title="Waves" description={describeWavePlan(r.wavePlan)} actions={<BarLegend statuses={[...present.filter((s) => s !== "pending"), "pending"]} />} />
      <ol className="divide-y divide-zinc-100" aria-label="Waves">
        {data.waves.map((w) => {
          const current = r.currentWave === w.wave && isRolloutLive(r.status);
          const finished = (w.counts.done ?? 0) + (w.counts.failed ?? 0) + (w.counts.skipped ?? 0) + (w.counts.rolled_back ?? 0);
          const soakingUntil = current && r.soakStartedAt && r.soakSeconds > 0 ? new Date(new Date(r.soakStartedAt).getTime() + r.soakSeconds * 1000) : null;
          const state = w.wave > r.currentWave ? "Not started" : finished === w.size ? "Finished" : current ? "Under way" : "Stopped";
          return (
            <li key={w.wave} aria-current={current ? "step" : undefined} className={cn("px-4 py-3 sm:px-5", current && "bg-brand-50/60 shadow-[inset_3px_0_0_var(--color-brand-500)]")}>
              <div className="mb-1.5 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                <p className="flex items-center gap-2 text-sm font-medium text-zinc-900">
                  Wave {w.wave}
                  {w.wave === 1 && <span className="text-xs font-normal text-zinc-500">canary</span>}
                  {current && <Badge tone="brand">Current</Badge>}
                  {!current && <span className="text-xs font-normal text-zinc-500">{state}</span>}
                </p>
                <p className="text-xs text-zinc-600 tabular-nums">
                  {(w.counts.done ?? 0)} / {w.size} done
                  {(w.counts.failed ?? 0) > 0 && <span className="font-medium text-red-700"> · {w.counts.failed} failed</span>}
                  {(w.counts.in_progress ?? 0) > 0 && <span className="text-brand-700"> · {w.counts.in_progress} in progress</span>}
                  {(w.counts.scheduled ?? 0) > 0 && <span className="text-indigo-700"> · {w.counts.scheduled} scheduled</span>}
                  {(w.counts.deferred ?? 0) > 0 && <span className="text-amber-800"> · {w.counts.deferred} deferred</span>}
                  {(w.counts.skipped ?? 0) > 0 && <span> · {w.counts.skipped} skipped</span>}
                  {(w.counts.rolled_back ?? 0) > 0 && <span className="text-indigo-700"> · {w.counts.rolled_back} rolled back</span>}
                </p>
              </div>
              <SegmentedBar counts={w.counts} total={w.size} label={`Wave ${w.wave}`} />
              {soakingUntil && soakingUntil.getTime() > Date.now() && (
                <p className="mt-1.5 text-xs text-brand-700">
                  Soaking: the next wave starts <Ago value={soakingUntil} /> if these instances stay healthy.
                </p>
              )}
            </li>
          );
        })}
      </ol>
    </Card>
  );
}

function ReleaseCard({ rollout: data }: { rollout: Rollout }) {
  const v = data.version;
  const trpc = useTRPC();
  const r = data.rollout;
  const replaced = r.firstVersionId !== r.toVersionId;
  const catalog = useQuery({ ...trpc.catalog.adminList.queryOptions(), enabled: replaced });
  const first = catalog.data?.flatMap((s) => s.versions).find((x) => x.id === r.firstVersionId);
  return (
    <Card>
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            Version {v.version}
            {v.mandatory && <Badge tone="red">Security patch</Badge>}
          </span>
        }
        description={<span className="font-mono text-xs break-all">{v.image}</span>}
      />
      <CardBody className="space-y-3 text-sm">
        {replaced && (
          <p className="text-amber-800">
            Resumed with this version in place of {first ? first.version : "the version it started with"}.
          </p>
        )}
        {v.mandatory && v.deadlineAt && (
          <p className="text-zinc-700">
            Customers may defer it until <span className="font-medium">{formatDateTime(v.deadlineAt)}</span>; then it is applied regardless of their windows.
          </p>
        )}
        <div>
          <p className="text-xs font-medium tracking-wide text-zinc-500 uppercase">Release notes</p>
          {v.releaseNotes ? <p className="mt-1 max-h-60 overflow-y-auto whitespace-pre-line text-zinc-700">{v.releaseNotes}</p> : <p className="mt-1 text-zinc-400">None.</p>}
        </div>
        <p className="text-xs text-zinc-500">
          {v.upgradeStrategy === "recreate" ? "Recreate" : "Rolling"} upgrade
          {data.service.kind === "stateful" && (
            <>
              {v.snapshotBeforeUpgrade ? " · volume snapshot first" : ""} · each replica held {v.replicaGateSeconds} s
            </>
          )}
        </p>
      </CardBody>
    </Card>
  );
}

function RunsCard({ rollout: data }: { rollout: Rollout }) {
  const trpc = useTRPC();
  const r = data.rollout;
  const focusId = r.runId ?? data.runs[data.runs.length - 1]?.id;
  const run = useQuery({
    ...trpc.fleet.run.queryOptions({ runId: focusId ?? "" }),
    enabled: !!focusId,
    refetchInterval: (q) => (!q.state.data || isRunMoving(q.state.data.status) || q.state.data.status === "paused" ? POLL_MS : false),
  });
  return (
    <Card>
      <CardHeader
        title="Rollout run"
        description="Announce, then one step per wave; each looks again every few seconds until its wave is done and has soaked."
        actions={
          focusId && (
            <Link href={`/admin/workflows/${focusId}`} className="text-sm font-medium text-brand-700 hover:text-brand-900 hover:underline">
              Open run
            </Link>
          )
        }
      />
      <CardBody className="space-y-4">
        {data.runs.length > 1 && (
          <ul className="space-y-1.5 text-sm" aria-label="Runs of this rollout">
            {data.runs.map((x) => (
              <li key={x.id} className="flex flex-wrap items-center justify-between gap-2">
                <Link href={`/admin/workflows/${x.id}`} className="text-brand-700 hover:text-brand-900 hover:underline">
                  {x.type === "fleet-rollback" ? "Roll back" : "Roll out"} <code className="font-mono text-xs text-zinc-400">{shortId(x.id)}</code>
                </Link>
                <RunStatusBadge status={x.status} />
              </li>
            ))}
          </ul>
        )}
        {!focusId ? (
          <p className="text-sm text-zinc-500">No run yet.</p>
        ) : run.isPending ? (
          <LoadingBlock label="Loading the run" />
        ) : run.error ? (
          <ErrorMessage error={run.error} />
        ) : (
          <>
            <p className="flex items-center gap-2 text-sm text-zinc-700">
              {run.data.title} <RunStatusBadge status={run.data.status} pauseRequested={run.data.pauseRequested} />
            </p>
            <StepTimeline steps={run.data.steps} runStatus={run.data.status} currentStep={run.data.currentStep} />
          </>
        )}
      </CardBody>
    </Card>
  );
}

function SettingsCard({ rollout: data }: { rollout: Rollout }) {
  const trpc = useTRPC();
  const r = data.rollout;
  const t = r.target;
  const catalog = useQuery({ ...trpc.catalog.adminList.queryOptions(), enabled: !!t.planIds?.length });
  const orgs = useQuery({ ...trpc.orgs.listAll.queryOptions(), enabled: !!t.orgIds?.length });
  const clusters = useQuery({ ...trpc.clusters.list.queryOptions(), enabled: !!t.clusterIds?.length });
  const names = (ids: string[] | undefined, all: { id: string; name: string }[] | undefined) => ids?.map((id) => all?.find((x) => x.id === id)?.name ?? shortId(id)).join(", ");
  const plans = catalog.data?.flatMap((s) => s.plans);
  const filters: [string, string | undefined][] = [
    ["Plans", t.planIds?.length ? names(t.planIds, plans) : undefined],
    ["Organizations", t.orgIds?.length ? names(t.orgIds, orgs.data) : undefined],
    ["Clusters", t.clusterIds?.length ? names(t.clusterIds, clusters.data) : undefined],
    ["Regions", t.regions?.length ? t.regions.join(", ") : undefined],
  ];
  return (
    <Card>
      <CardHeader title="Settings" />
      <CardBody>
        <dl className="space-y-2.5 text-sm">
          {filters.every(([, v]) => !v) ? (
            <Setting label="Instances">Every instance of {data.service.name}</Setting>
          ) : (
            filters.map(([label, v]) => (
              <Setting key={label} label={label}>
                {v ?? <span className="text-zinc-400">All</span>}
              </Setting>
            ))
          )}
          <Setting label="Waves">{describeWavePlan(r.wavePlan)}</Setting>
          <Setting label="Soak time">{formatSeconds(r.soakSeconds)}</Setting>
          <Setting label="Max parallel">{r.maxParallel} upgrades at once</Setting>
          <Setting label="Pauses after">{describeThreshold(r.failureThreshold)}</Setting>
          <Setting label="Maintenance windows">{r.respectMaintenanceWindows ? "Respected" : "Ignored"}</Setting>
          <Setting label="Start">{formatDateTime(r.startsAt)}</Setting>
        </dl>
      </CardBody>
    </Card>
  );
}

function Setting({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[8.5rem_minmax(0,1fr)] gap-2">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="text-zinc-800">{children}</dd>
    </div>
  );
}

function TargetsCard({ rollout: data, statusFilter, setStatusFilter }: { rollout: Rollout; statusFilter: string; setStatusFilter: (s: string) => void }) {
  const [wave, setWave] = useState("");
  const [search, setSearch] = useState("");
  const [shown, setShown] = useState(PAGE);
  const needle = search.trim().toLowerCase();
  const rows = data.targets.filter(
    (t) =>
      (!statusFilter || t.status === statusFilter) &&
      (!wave || t.wave === Number(wave)) &&
      (!needle || t.name.toLowerCase().includes(needle) || t.org_name.toLowerCase().includes(needle) || (t.cluster ?? "").toLowerCase().includes(needle)),
  );
  return (
    <Card>
      <CardHeader title="Instances" description="Every instance this rollout targets, in the order it takes them. Each upgrade is a run of its own: open its timeline for the steps." />
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-4 py-3 sm:px-5">
        <div className="w-full max-w-xs">
          <Input aria-label="Search instances" placeholder="Instance, organization or cluster" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="w-36">
          <Select aria-label="Wave" value={wave} onChange={(e) => setWave(e.target.value)}>
            <option value="">All waves</option>
            {data.waves.map((w) => (
              <option key={w.wave} value={w.wave}>
                Wave {w.wave}
              </option>
            ))}
          </Select>
        </div>
        <div className="w-40">
          <Select aria-label="Status" value={statusFilter} onChange={(e) => setStatusFilter(e.target.value)}>
            <option value="">Any status</option>
            {TARGET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {targetLabel(s)}
              </option>
            ))}
          </Select>
        </div>
        <span className="ml-auto text-xs text-zinc-500 tabular-nums" aria-live="polite">
          {rows.length === data.targets.length ? `${rows.length} instance${rows.length === 1 ? "" : "s"}` : `${rows.length} of ${data.targets.length} instances`}
        </span>
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No instance matches" description="Change the filters above, or the status tiles." />
      ) : (
        <>
          <Table label="Instances of the rollout">
            <THead>
              <TR>
                <TH>Instance</TH>
                <TH>Cluster</TH>
                <TH className="text-right">Wave</TH>
                <TH>Status</TH>
                <TH>Version</TH>
                <TH>Time</TH>
                <TH>
                  <span className="sr-only">Timeline</span>
                </TH>
              </TR>
            </THead>
            <TBody>
              {rows.slice(0, shown).map((t) => (
                <TargetRow key={t.instance_id} target={t} toVersion={data.version.version} />
              ))}
            </TBody>
          </Table>
          {rows.length > shown && (
            <div className="flex items-center justify-between border-t border-zinc-200 px-4 py-3 text-sm text-zinc-500">
              <span>
                {shown} of {rows.length} shown
              </span>
              <Button variant="secondary" size="sm" onClick={() => setShown((n) => n + PAGE * 5)}>
                Show more
              </Button>
            </div>
          )}
        </>
      )}
    </Card>
  );
}

function TargetRow({ target: t, toVersion }: { target: Target; toVersion: string }) {
  const upgraded = t.current_version === toVersion;
  return (
    <TR>
      <TD className="align-top">
        <Link href={`/admin/workflows?subject=${t.instance_id}`} className="font-mono text-sm font-medium text-zinc-900 hover:text-brand-700 hover:underline" title="Every run of this instance">
          {t.name}
        </Link>
        <div className="text-xs text-zinc-500">
          <Link href={`/admin/fleet?org=${t.org_id}`} className="hover:text-zinc-800 hover:underline">
            {t.org_name}
          </Link>
        </div>
      </TD>
      <TD className="align-top text-sm whitespace-nowrap">{t.cluster ?? <span className="text-zinc-400">—</span>}</TD>
      <TD className="text-right align-top tabular-nums">{t.wave}</TD>
      <TD className="max-w-80 align-top">
        <TargetStatusBadge status={t.status} />
        {t.detail && <p className="mt-1 text-xs break-words text-zinc-600">{t.detail}</p>}
        {t.status === "scheduled" && t.scheduled_for && <p className="mt-0.5 text-xs text-indigo-700">Window opens {formatDateTime(t.scheduled_for)}</p>}
        {t.status === "deferred" && t.scheduled_for && <p className="mt-0.5 text-xs text-amber-800">Until {formatDateTime(t.scheduled_for)}</p>}
      </TD>
      <TD className="align-top font-mono text-xs whitespace-nowrap">
        {t.from_version === t.current_version ? (
          <span className="text-zinc-700">{t.current_version}</span>
        ) : (
          <>
            <span className="text-zinc-500">{t.from_version}</span> <span aria-label="now">→</span> <span className={upgraded ? "text-green-700" : "text-amber-800"}>{t.current_version}</span>
          </>
        )}
      </TD>
      <TD className="align-top text-xs whitespace-nowrap text-zinc-600">
        {t.status === "in_progress" || t.status === "rolling_back" ? (
          <>
            running for <Elapsed startedAt={t.started_at} />
          </>
        ) : t.finished_at ? (
          <>
            <Ago value={t.finished_at} />
            {t.upgrade_ms !== null ? <div className="text-zinc-500">took {formatDuration(t.upgrade_ms)}</div> : t.started_at ? <div className="text-zinc-500">took {formatDuration(new Date(t.finished_at).getTime() - new Date(t.started_at).getTime())}</div> : null}
          </>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </TD>
      <TD className="text-right align-top whitespace-nowrap">
        {t.run_id ? (
          <Link href={`/admin/workflows/${t.run_id}`} className="text-sm font-medium text-brand-700 hover:text-brand-900 hover:underline" aria-label={`Upgrade timeline of ${t.name}`}>
            Timeline
          </Link>
        ) : (
          <span className="text-xs text-zinc-400">No run yet</span>
        )}
      </TD>
    </TR>
  );
}
