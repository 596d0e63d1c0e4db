// Rollouts in the provider console: every release of a version across the fleet, newest first, with its progress and
// waves, filtered by status and service (kept in the address bar); "New rollout" opens the form (prefilled from
// ?new=<versionId>, the catalog's "Roll out" link). Refreshes every 2 s while a rollout is live.
"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { RolloutStatus } from "@/db/schema";
import { AppIcon } from "@/components/icons";
import { useUrlFilters } from "@/components/admin/fleet/use-filters";
import { usePlatformRole } from "@/components/admin/admin-context";
import { Button, Card, EmptyState, ErrorMessage, FilterSelect, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR } from "@/components/ui";
import { shortId } from "@/components/workflows/format";
import { Ago } from "@/components/workflows/relative-time";
import { formatDateTime } from "@/lib/format";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { NewRolloutDialog } from "./new-rollout-dialog";
import { isRolloutLive, manageReason, ROLLOUT_STATUS_LABELS, ROLLOUT_STATUSES, RolloutStatusBadge, SegmentedBar } from "./rollout-look";

type Row = RouterOutputs["rollouts"]["list"][number];

const FILTERS = ["status", "service", "new"] as const;

export function RolloutsPage() {
  const trpc = useTRPC();
  const mayManage = canPlatform(usePlatformRole(), "rollouts:manage");
  const [filters, setFilter, clearFilters] = useUrlFilters(FILTERS);
  const catalog = useQuery(trpc.catalog.adminList.queryOptions());
  const status = (ROLLOUT_STATUSES as readonly string[]).includes(filters.status) ? (filters.status as RolloutStatus) : undefined;
  const list = useQuery({
    ...trpc.rollouts.list.queryOptions({ ...(status ? { status } : {}), ...(filters.service ? { serviceId: filters.service } : {}) }),
    refetchInterval: (q) => (q.state.data?.some((r) => isRolloutLive(r.rollout.status)) ? 2_000 : 15_000),
    placeholderData: (prev) => prev,
  });
  const items = list.data ?? [];
  const filtered = !!(filters.status || filters.service);
  // The form is open while the address says ?new=… ("1" for an empty form, a version id to prefill it).
  const open = !!filters.new && mayManage;

  return (
    <>
      <PageHeader
        title="Rollouts"
        description="Release a version to the fleet in waves: a canary, then growing percentages, pausing by itself when upgrades fail."
        actions={
          <Button onClick={() => setFilter("new", "1")} disabledReason={mayManage ? null : manageReason}>
            <AppIcon name="plus" className="size-4" /> New rollout
          </Button>
        }
      />
      <Card className="mb-4">
        <div className="grid gap-3 px-4 py-3 sm:grid-cols-2 lg:grid-cols-[repeat(2,minmax(0,16rem))_minmax(0,1fr)_auto] lg:items-end">
          <FilterSelect label="Status" allLabel="Any status" value={filters.status} options={ROLLOUT_STATUSES.map((s) => ({ value: s, label: ROLLOUT_STATUS_LABELS[s] }))} onChange={(v) => setFilter("status", v)} />
          <FilterSelect label="Service" allLabel="All services" value={filters.service} options={(catalog.data ?? []).map((s) => ({ value: s.id, label: s.name }))} onChange={(v) => setFilter("service", v)} />
          <div />
          <Button variant="ghost" onClick={clearFilters} disabled={!filtered}>
            Clear filters
          </Button>
        </div>
      </Card>
      <Card>
        {list.isPending ? (
          <LoadingBlock label="Loading rollouts" />
        ) : list.error ? (
          <ErrorMessage className="m-4" error={list.error} />
        ) : items.length === 0 ? (
          <EmptyState
            icon={<AppIcon name="rollouts" />}
            title={filtered ? "No rollout matches these filters" : "No rollouts yet"}
            description={
              filtered
                ? "Widen the filters or clear them."
                : "Publish a version in the catalog, then roll it out: instances move to it wave by wave, inside their organizations' maintenance windows."
            }
            action={!filtered && mayManage && <Button onClick={() => setFilter("new", "1")}>New rollout</Button>}
          />
        ) : (
          <RolloutsTable items={items} />
        )}
      </Card>
      <NewRolloutDialog open={open} onClose={() => setFilter("new", "")} initialVersionId={filters.new !== "1" ? filters.new : undefined} />
    </>
  );
}

function RolloutsTable({ items }: { items: Row[] }) {
  return (
    <Table label="Rollouts">
      <THead>
        <TR>
          <TH>Rollout</TH>
          <TH>Status</TH>
          <TH>Progress</TH>
          <TH>Waves</TH>
          <TH>Created</TH>
          <TH>By</TH>
        </TR>
      </THead>
      <TBody>
        {items.map((row) => (
          <RolloutRow key={row.rollout.id} row={row} />
        ))}
      </TBody>
    </Table>
  );
}

function RolloutRow({ row }: { row: Row }) {
  const r = row.rollout;
  const counts = row.counts ?? {};
  const done = counts.done ?? 0;
  const failed = counts.failed ?? 0;
  const waiting = (counts.scheduled ?? 0) + (counts.deferred ?? 0);
  return (
    <TR className="hover:bg-zinc-50">
      <TD className="align-top">
        <Link href={`/admin/rollouts/${r.id}`} className="font-medium whitespace-nowrap text-brand-700 hover:text-brand-900 hover:underline">
          {row.service.name} {row.version}
        </Link>
        <span className="ml-2 font-mono text-xs text-zinc-400" title={`Rollout ${r.id}`}>
          {shortId(r.id)}
        </span>
        <div className="mt-0.5 text-xs text-zinc-500">
          {r.targetCount} instance{r.targetCount === 1 ? "" : "s"}
          {r.startsAt && new Date(r.startsAt).getTime() > Date.now() && <> · starts {formatDateTime(r.startsAt)}</>}
        </div>
      </TD>
      <TD className="align-top">
        <RolloutStatusBadge status={r.status} />
        {r.pauseReason && (r.status === "paused" || r.status === "failed") && (
          <p className="mt-1 max-w-64 truncate text-xs text-amber-800" title={r.pauseReason}>
            {r.pauseReason}
          </p>
        )}
      </TD>
      <TD className="align-top">
        <div className="w-44">
          <SegmentedBar counts={counts} total={r.targetCount} label={`${row.service.name} ${row.version}`} size="sm" />
          <p className="mt-1 text-xs whitespace-nowrap text-zinc-500 tabular-nums">
            {done} / {r.targetCount} done
            {failed > 0 && <span className="font-medium text-red-700"> · {failed} failed</span>}
            {waiting > 0 && <span> · {waiting} waiting</span>}
          </p>
        </div>
      </TD>
      <TD className="align-top whitespace-nowrap tabular-nums">
        {Math.min(r.currentWave, r.waveCount)} / {r.waveCount}
      </TD>
      <TD className="align-top text-xs whitespace-nowrap">
        <Ago value={r.createdAt} />
        {r.finishedAt && (
          <div className="text-zinc-500">
            ended <Ago value={r.finishedAt} />
          </div>
        )}
      </TD>
      <TD className="align-top text-xs text-zinc-700">{r.createdBy}</TD>
    </TR>
  );
}
