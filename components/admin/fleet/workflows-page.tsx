// Workflows in the provider console: every run in the fleet, filtered by type, status and subject, with controls;
// and the workflow types, which platform admins can hold so new runs start paused.
"use client";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import type { RunStatus } from "@/db/schema";
import { AppIcon } from "@/components/icons";
import { Badge, Button, Card, CardHeader, EmptyState, ErrorMessage, FilterSelect, LoadingBlock, LoadMore, PageHeader, Table, TBody, TD, TH, THead, TR } from "@/components/ui";
import { usePlatformRole } from "@/components/admin/admin-context";
import { formatDuration, humanizeStep, shortId } from "@/components/workflows/format";
import { Ago } from "@/components/workflows/relative-time";
import { RunControls } from "@/components/workflows/run-controls";
import { isRunOpen, RUN_STATUS_LABELS, RunStatusBadge } from "@/components/workflows/run-status";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { steerReason, useFleetRunActions } from "./use-fleet-run-actions";
import { useUrlFilters } from "./use-filters";

type Run = RouterOutputs["fleet"]["runs"]["items"][number];
type WorkflowType = RouterOutputs["fleet"]["workflowTypes"][number];

const FILTERS = ["type", "status", "subject"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function WorkflowsPage() {
  const trpc = useTRPC();
  const mayManage = canPlatform(usePlatformRole(), "fleet:manage");
  const [filters, setFilter, clearFilters] = useUrlFilters(FILTERS);
  const types = useQuery(trpc.fleet.workflowTypes.queryOptions());
  const orgs = useQuery(trpc.orgs.listAll.queryOptions());
  const orgNames = new Map((orgs.data ?? []).map((o) => [o.id, o.name]));
  const input = {
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.status ? { status: [filters.status as RunStatus] } : {}),
    ...(UUID.test(filters.subject) ? { subjectId: filters.subject } : {}),
    limit: 50,
  };
  const runs = useInfiniteQuery({
    ...trpc.fleet.runs.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => isRunOpen(r.status))) ? 2_000 : 10_000),
    placeholderData: (prev) => prev,
  });
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = FILTERS.some((k) => filters[k]);

  return (
    <>
      <PageHeader title="Workflows" description="Every change in the fleet runs as a workflow of named steps: watch them, and pause, resume, retry or cancel them." />
      <Card className="mb-4">
        <div className="grid gap-3 px-4 py-3 sm:grid-cols-2 lg:grid-cols-[repeat(2,minmax(0,16rem))_minmax(0,1fr)_auto] lg:items-end">
          <FilterSelect label="Type" allLabel="All types" value={filters.type} onChange={(v) => setFilter("type", v)} options={(types.data ?? []).map((t) => ({ value: t.type, label: t.title }))} />
          <FilterSelect label="Status" allLabel="Any status" value={filters.status} onChange={(v) => setFilter("status", v)} options={Object.entries(RUN_STATUS_LABELS).map(([k, label]) => ({ value: k, label }))} />
          <div className="text-sm">
            {filters.subject && (
              <span className="inline-flex h-10 items-center gap-2 rounded-md bg-zinc-100 px-3 text-zinc-700">
                Runs of instance <code className="font-mono text-xs">{shortId(filters.subject)}</code>
                <button type="button" className="text-zinc-500 hover:text-zinc-900" aria-label="Show runs of every subject" onClick={() => setFilter("subject", "")}>
                  ×
                </button>
              </span>
            )}
          </div>
          <Button variant="ghost" onClick={clearFilters} disabled={!filtered}>
            Clear filters
          </Button>
        </div>
      </Card>
      <Card>
        {runs.isPending ? (
          <LoadingBlock label="Loading runs" />
        ) : runs.error ? (
          <ErrorMessage className="m-4" error={runs.error} />
        ) : items.length === 0 ? (
          <EmptyState
            icon={<AppIcon name="workflows" />}
            title={filtered ? "No run matches these filters" : "No runs yet"}
            description={filtered ? "Widen the filters or clear them." : "Runs appear as soon as instances are created or changed."}
          />
        ) : (
          <>
            <RunsTable runs={items} orgNames={orgNames} mayManage={mayManage} />
            <LoadMore hasMore={!!runs.hasNextPage} loading={runs.isFetchingNextPage} onLoadMore={() => runs.fetchNextPage()} count={items.length} />
          </>
        )}
      </Card>
      <WorkflowTypes types={types} mayManage={mayManage} />
    </>
  );
}

function RunsTable({ runs, orgNames, mayManage }: { runs: Run[]; orgNames: Map<string, string>; mayManage: boolean }) {
  return (
    <Table label="Workflow runs">
      <THead>
        <TR>
          <TH>Run and subject</TH>
          <TH>Status</TH>
          <TH>Progress</TH>
          <TH>Requested</TH>
          <TH className="text-right">
            <span className="sr-only">Actions</span>
          </TH>
        </TR>
      </THead>
      <TBody>
        {runs.map((r) => (
          <RunRow key={r.id} run={r} orgName={r.orgId ? orgNames.get(r.orgId) : undefined} mayManage={mayManage} />
        ))}
      </TBody>
    </Table>
  );
}

function RunRow({ run: r, orgName, mayManage }: { run: Run; orgName?: string; mayManage: boolean }) {
  const actions = useFleetRunActions(r.id);
  const done = Math.min(r.currentStep, r.stepCount);
  const pct = r.stepCount ? Math.round((done / r.stepCount) * 100) : 0;
  const ended = r.status === "succeeded" || r.status === "failed" || r.status === "cancelled";
  return (
    <TR>
      <TD className="align-top">
        <Link href={`/admin/workflows/${r.id}`} className="font-medium whitespace-nowrap text-brand-700 hover:text-brand-900 hover:underline">
          {r.title}
        </Link>
        <span className="ml-2 font-mono text-xs text-zinc-400" title={`Run ${r.id}`}>
          {shortId(r.id)}
        </span>
        <div className="mt-0.5 text-xs whitespace-nowrap text-zinc-500">
          <Link href={`/admin/workflows?subject=${r.subjectId}`} className="font-mono hover:text-zinc-900 hover:underline" title={`${r.subjectType} ${r.subjectId}: show its runs`}>
            {r.subjectType} {shortId(r.subjectId)}
          </Link>{" "}
          · {orgName ?? (r.orgId ? shortId(r.orgId) : "Platform")}
        </div>
      </TD>
      <TD className="align-top">
        <RunStatusBadge status={r.status} pauseRequested={r.pauseRequested} />
        {r.error && (
          <p className="mt-1 max-w-60 truncate text-xs text-red-700" title={r.error}>
            {r.error}
          </p>
        )}
      </TD>
      <TD className="align-top">
        <div className="w-32">
          <div className="h-1.5 overflow-hidden rounded-full bg-zinc-100 ring-1 ring-zinc-200 ring-inset" aria-hidden="true">
            <div className={`h-full ${r.status === "failed" ? "bg-red-500" : r.status === "succeeded" ? "bg-green-500" : "bg-brand-500"}`} style={{ width: `${pct}%` }} />
          </div>
          <p className="mt-1 text-xs text-zinc-500 tabular-nums">
            {r.status === "succeeded" ? `${r.stepCount} of ${r.stepCount} steps` : `Step ${Math.min(r.currentStep + 1, r.stepCount)} of ${r.stepCount}`}
          </p>
        </div>
      </TD>
      <TD className="align-top text-xs whitespace-nowrap">
        <div className="text-zinc-700">{r.requestedBy}</div>
        <div className="text-zinc-500">
          <Ago value={r.createdAt} />
          {ended && r.startedAt && r.finishedAt && <> · took {formatDuration(new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime())}</>}
        </div>
      </TD>
      <TD className="align-top">
        <div className="flex justify-end">
          <RunControls run={r} actions={actions} disabledReason={mayManage ? null : steerReason} compact />
        </div>
      </TD>
    </TR>
  );
}

function WorkflowTypes({ types, mayManage }: { types: { data?: WorkflowType[]; isPending: boolean; error: unknown }; mayManage: boolean }) {
  return (
    <Card className="mt-6">
      <CardHeader
        title="Workflow types"
        description="Holding a type makes its new runs start paused, until someone resumes them one by one; runs already going continue. Use it during an incident."
      />
      {types.isPending ? (
        <LoadingBlock label="Loading workflow types" />
      ) : types.error ? (
        <ErrorMessage className="m-4" error={types.error} />
      ) : (
        <ul className="divide-y divide-zinc-100">
          {types.data!.map((t) => (
            <TypeRow key={t.type} type={t} mayManage={mayManage} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function TypeRow({ type: t, mayManage }: { type: WorkflowType; mayManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hold = useMutation(trpc.fleet.holdType.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.fleet.workflowTypes.queryKey() }) }));
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 px-4 py-3 sm:px-5">
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-zinc-900">{t.title}</span>
          <code className="font-mono text-xs text-zinc-500">{t.type}</code>
          {t.held && <Badge tone="amber">New runs held</Badge>}
        </p>
        <ol className="mt-1.5 flex flex-wrap items-center gap-1 text-xs text-zinc-600" aria-label={`Steps of ${t.title}`}>
          {t.steps.map((s, i) => (
            <li key={`${s}-${i}`} className="flex items-center gap-1">
              {i > 0 && (
                <span aria-hidden="true" className="text-zinc-300">
                  →
                </span>
              )}
              <span className="rounded bg-zinc-100 px-1.5 py-0.5" title={s}>
                {humanizeStep(s)}
              </span>
            </li>
          ))}
        </ol>
        {hold.error ? <ErrorMessage className="mt-2" error={hold.error} /> : null}
      </div>
      <Button
        size="sm"
        variant={t.held ? "primary" : "secondary"}
        loading={hold.isPending}
        disabledReason={mayManage ? null : "Only platform admins can hold or release workflow types"}
        onClick={() => hold.mutate({ type: t.type, held: !t.held })}
      >
        {t.held ? "Release new runs" : "Hold new runs"}
      </Button>
    </li>
  );
}
