// The runs of one instance: the current (or latest) run's live step timeline, then earlier runs that expand to their steps.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { RunStatus } from "@/db/schema";
import { Card, CardHeader, EmptyState, ErrorMessage, LoadingBlock, cn } from "@/components/ui";
import { AppIcon } from "@/components/icons";
import { useOrg } from "@/components/org/org-context";
import { formatDuration } from "@/components/workflows/format";
import { Ago } from "@/components/workflows/relative-time";
import { RunBody, RunMeta, type RunView } from "@/components/workflows/run-detail";
import { RunControls } from "@/components/workflows/run-controls";
import { RunStatusBadge, isRunMoving, isRunOpen } from "@/components/workflows/run-status";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { notAllowedReason } from "./roles";

type RunRow = RouterOutputs["instances"]["get"]["runs"][number];

/** The run to watch: the one working on the instance now, else the newest. */
export function focusRunOf(runs: RunRow[]): RunRow | null {
  return runs.find((r) => r.status === "running" || r.status === "cancelling" || r.status === "paused") ?? runs[0] ?? null;
}

/** Refresh interval for a run on screen: 1 s while it moves, 5 s while paused, none once it ended. */
function runInterval(status: string | undefined): number | false {
  if (!status) return 1_000;
  if (isRunMoving(status)) return 1_000;
  if (status === "paused") return 5_000;
  return false;
}

function useRunActions(runId: string, onChanged: () => void) {
  const org = useOrg();
  const trpc = useTRPC();
  const ref = { orgId: org.id, runId };
  const pause = useMutation(trpc.runs.pause.mutationOptions());
  const resume = useMutation(trpc.runs.resume.mutationOptions());
  const retry = useMutation(trpc.runs.retry.mutationOptions());
  const cancel = useMutation(trpc.runs.cancel.mutationOptions());
  const then = async <T,>(p: Promise<T>) => {
    const r = await p;
    onChanged();
    return r;
  };
  return {
    pause: () => then(pause.mutateAsync(ref)),
    resume: () => then(resume.mutateAsync(ref)),
    retry: () => then(retry.mutateAsync(ref)),
    cancel: () => then(cancel.mutateAsync(ref)),
  };
}

/** Fetches one run with its steps, polling while it is open. */
function useRun(runId: string, knownStatus?: string) {
  const org = useOrg();
  const trpc = useTRPC();
  return useQuery({
    ...trpc.runs.get.queryOptions({ orgId: org.id, runId }),
    refetchInterval: (q) => runInterval(q.state.data?.status ?? knownStatus),
  });
}

export function InstanceRuns({ instanceId, runs }: { instanceId: string; runs: RunRow[] }) {
  const org = useOrg();
  const focus = focusRunOf(runs);
  const others = runs.filter((r) => r.id !== focus?.id);
  const target = useRunFromHash(runs.map((r) => r.id).join(","));
  if (!can(org.role, "workflows:read")) {
    return (
      <Card>
        <CardHeader title="Activity" />
        <EmptyState title="Your role does not include workflow runs" description="Owners, admins, members and viewers see each change to an instance step by step." />
      </Card>
    );
  }
  return (
    <div className="space-y-6">
      {focus ? (
        <div id={`run-${focus.id}`} className="scroll-mt-6">
          <FocusRun key={focus.id} run={focus} instanceId={instanceId} />
        </div>
      ) : (
        <Card>
          <CardHeader title="Activity" />
          <EmptyState icon={<AppIcon name="workflows" />} title="No runs yet" description="Every change to this instance runs as a workflow of steps you can watch here." />
        </Card>
      )}
      {others.length > 0 && <EarlierRuns key={target ?? ""} runs={others} instanceId={instanceId} initialOpen={target} />}
    </div>
  );
}

/** The run a "#run-<id>" link (from an incident's timeline) points at, once it is on the page; scrolls to it. */
function useRunFromHash(ids: string): string | null {
  const [hash, setHash] = useState("");
  useEffect(() => {
    const read = () => setHash(window.location.hash);
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, []);
  const id = /^#run-([0-9a-f-]{36})$/.exec(hash)?.[1] ?? null;
  const present = !!id && ids.includes(id);
  useEffect(() => {
    if (present && id) requestAnimationFrame(() => document.getElementById(`run-${id}`)?.scrollIntoView({ block: "start" }));
  }, [present, id]);
  return present ? id : null;
}

function useInvalidateInstance(instanceId: string) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: trpc.instances.get.queryKey({ orgId: org.id, instanceId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey() });
  };
}

function controlsReason(role: Parameters<typeof can>[0]): string | null {
  return can(role, "workflows:control") ? null : notAllowedReason(role, "pause, resume, retry or cancel runs");
}

function FocusRun({ run: row, instanceId }: { run: RunRow; instanceId: string }) {
  const org = useOrg();
  const run = useRun(row.id, row.status);
  const invalidate = useInvalidateInstance(instanceId);
  const actions = useRunActions(row.id, invalidate);
  const data = run.data as RunView | undefined;
  const live = data && isRunOpen(data.status);
  return (
    <Card>
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            {live ? "Now" : "Latest run"}: {data?.title ?? row.title}
            <RunStatusBadge status={(data?.status ?? row.status) as RunStatus} pauseRequested={data?.pauseRequested ?? row.pauseRequested} />
          </span>
        }
        description={<RunMeta run={data ?? row} />}
        actions={data && <RunControls run={data} actions={actions} disabledReason={controlsReason(org.role)} />}
      />
      <div className="px-4 py-4 sm:px-5">
        {run.isPending ? <LoadingBlock label="Loading steps" /> : run.error ? <ErrorMessage error={run.error} /> : <RunBody run={data!} />}
      </div>
    </Card>
  );
}

function EarlierRuns({ runs, instanceId, initialOpen }: { runs: RunRow[]; instanceId: string; initialOpen: string | null }) {
  const [open, setOpen] = useState<string | null>(initialOpen);
  return (
    <Card>
      <CardHeader title="Other runs" description="Every change to this instance, newest first. Open one to see its steps." />
      <ul className="divide-y divide-zinc-100">
        {runs.map((r) => (
          <li key={r.id} id={`run-${r.id}`} className="scroll-mt-6">
            <button
              type="button"
              aria-expanded={open === r.id}
              onClick={() => setOpen(open === r.id ? null : r.id)}
              className="flex w-full flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-left hover:bg-zinc-50 sm:px-5"
            >
              <svg viewBox="0 0 24 24" className={cn("size-4 shrink-0 text-zinc-400 transition-transform", open === r.id ? "rotate-0" : "-rotate-90")} fill="none" stroke="currentColor" strokeWidth={2} aria-hidden="true">
                <path d="m7 10 5 5 5-5" />
              </svg>
              <span className="font-medium text-zinc-900">{r.title}</span>
              <RunStatusBadge status={r.status} pauseRequested={r.pauseRequested} />
              <span className="ml-auto flex flex-wrap gap-x-3 text-xs text-zinc-500">
                <span>{r.requestedBy}</span>
                <Ago value={r.createdAt} />
                {r.startedAt && r.finishedAt && <span className="tabular-nums">{formatDuration(new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime())}</span>}
              </span>
            </button>
            {open === r.id && <ExpandedRun row={r} instanceId={instanceId} />}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function ExpandedRun({ row, instanceId }: { row: RunRow; instanceId: string }) {
  const org = useOrg();
  const run = useRun(row.id, row.status);
  const invalidate = useInvalidateInstance(instanceId);
  const actions = useRunActions(row.id, invalidate);
  const data = run.data as RunView | undefined;
  return (
    <div className="space-y-3 border-t border-zinc-100 bg-zinc-50/60 px-4 py-4 sm:px-5 sm:pl-12">
      {run.isPending ? (
        <LoadingBlock label="Loading steps" />
      ) : run.error ? (
        <ErrorMessage error={run.error} />
      ) : (
        <>
          <div className="flex flex-wrap items-start justify-between gap-2">
            <RunMeta run={data!} />
            <RunControls run={data!} actions={actions} disabledReason={controlsReason(org.role)} />
          </div>
          <RunBody run={data!} />
        </>
      )}
    </div>
  );
}
