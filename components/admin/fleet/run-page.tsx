// One run in the provider console: its subject and organization, input, controls and live step timeline.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Card, CardBody, CardHeader, ErrorMessage, LoadingBlock } from "@/components/ui";
import { usePlatformRole } from "@/components/admin/admin-context";
import { shortId } from "@/components/workflows/format";
import { RunBody, RunMeta, type RunView } from "@/components/workflows/run-detail";
import { RunControls } from "@/components/workflows/run-controls";
import { isRunMoving, RunStatusBadge } from "@/components/workflows/run-status";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { steerReason, useFleetRunActions } from "./use-fleet-run-actions";

export function RunPage({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const mayManage = canPlatform(usePlatformRole(), "fleet:manage");
  const run = useQuery({
    ...trpc.fleet.run.queryOptions({ runId }),
    refetchInterval: (q) => (!q.state.data || isRunMoving(q.state.data.status) ? 1_000 : q.state.data.status === "paused" ? 5_000 : false),
  });
  const orgs = useQuery(trpc.orgs.listAll.queryOptions());
  const actions = useFleetRunActions(runId);
  const back = (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm">
      <Link href="/admin/workflows" className="text-zinc-500 hover:text-zinc-800">
        ← Workflows
      </Link>
    </nav>
  );
  if (run.isPending) {
    return (
      <>
        {back}
        <Card>
          <LoadingBlock label="Loading the run" />
        </Card>
      </>
    );
  }
  if (run.error) {
    return (
      <>
        {back}
        <ErrorMessage error={run.error} />
      </>
    );
  }
  const r = run.data;
  const orgName = r.orgId ? orgs.data?.find((o) => o.id === r.orgId)?.name : null;
  return (
    <>
      {back}
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-zinc-900">
            {r.title}
            <RunStatusBadge status={r.status} pauseRequested={r.pauseRequested} />
          </h1>
          <div className="mt-1">
            <RunMeta run={r} />
          </div>
        </div>
        <RunControls run={r} actions={actions} disabledReason={mayManage ? null : steerReason} size="md" />
      </div>
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <Card>
          <CardHeader title="Steps" description={`${r.stepCount} steps; each is retried with backoff before the run fails.`} />
          <CardBody>
            <RunBody run={r as RunView} />
          </CardBody>
        </Card>
        <Card className="self-start">
          <CardHeader title="Details" />
          <CardBody>
            <dl className="space-y-3 text-sm">
              <Detail label="Run">
                <code className="font-mono text-xs break-all">{r.id}</code>
              </Detail>
              <Detail label="Type">
                <code className="font-mono text-xs">{r.type}</code>
              </Detail>
              <Detail label="Subject">
                <Link href={`/admin/workflows?subject=${r.subjectId}`} className="text-brand-700 hover:underline">
                  {r.subjectType} <code className="font-mono text-xs">{shortId(r.subjectId)}</code>
                </Link>
                <span className="block text-xs text-zinc-500">Its other runs</span>
              </Detail>
              <Detail label="Organization">
                {r.orgId ? (
                  <Link href={`/admin/fleet?org=${r.orgId}`} className="text-brand-700 hover:underline">
                    {orgName ?? shortId(r.orgId)}
                  </Link>
                ) : (
                  "Platform"
                )}
              </Detail>
              <Detail label="Input">
                <pre className="mt-1 max-h-48 overflow-auto rounded-md break-all whitespace-pre-wrap bg-zinc-50 px-3 py-2 font-mono text-[11px] text-zinc-700 ring-1 ring-zinc-200 ring-inset">{JSON.stringify(r.input, null, 2)}</pre>
              </Detail>
            </dl>
          </CardBody>
        </Card>
      </div>
    </>
  );
}

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-0.5 text-zinc-800">{children}</dd>
    </div>
  );
}
