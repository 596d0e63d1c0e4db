// The audit log table with filters and keyset "Load more": per organization, or across all of them for platform staff.
"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { AppIcon } from "@/components/icons";
import { Badge, Button, Card, CardBody, EmptyState, ErrorMessage, Field, Input, LoadMore, LoadingBlock, Select, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";

type Filters = { action: string; actor: string; targetType: string; from: string; to: string };
const noFilters: Filters = { action: "", actor: "", targetType: "", from: "", to: "" };

const knownActions = [
  "auth", "orgs", "orgs.create", "orgs.rename", "members", "members.update_role", "members.remove", "members.leave",
  "invitations", "invitations.create", "invitations.accept", "invitations.revoke", "apikeys", "apikeys.create", "apikeys.revoke", "catalog",
];
const targetTypes: { value: string; label: string }[] = [
  { value: "organization", label: "Organization" },
  { value: "user", label: "User" },
  { value: "invitation", label: "Invitation" },
  { value: "api_key", label: "API key" },
  { value: "service", label: "Service" },
  { value: "service_version", label: "Service version" },
  { value: "plan", label: "Plan" },
];

/** The API's filter input: empty fields left out; dates cover whole local days. */
function toInput(f: Filters) {
  return {
    ...(f.action.trim() ? { action: f.action.trim() } : {}),
    ...(f.actor.trim() ? { actor: f.actor.trim() } : {}),
    ...(f.targetType ? { targetType: f.targetType } : {}),
    ...(f.from ? { from: new Date(`${f.from}T00:00:00`) } : {}),
    ...(f.to ? { to: new Date(`${f.to}T23:59:59.999`) } : {}),
    limit: 50,
  };
}

type AuditEntry = {
  id: number;
  at: Date;
  orgName: string | null;
  actorType: "user" | "api_key" | "system";
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
};

function AuditFilters({ value, onApply }: { value: Filters; onApply: (f: Filters) => void }) {
  const [draft, setDraft] = useState(value);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const active = Object.values(value).some(Boolean);
  function submit(e: FormEvent) {
    e.preventDefault();
    onApply(draft);
  }
  return (
    <form onSubmit={submit} className="grid gap-3 border-b border-zinc-200 p-4 sm:grid-cols-2 lg:grid-cols-6" aria-label="Filter the audit log">
      <Field label="Action" hint="e.g. members or members.update_role" className="lg:col-span-2">
        <Input name="action" list="audit-actions" value={draft.action} onChange={set("action")} />
      </Field>
      <datalist id="audit-actions">
        {knownActions.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <Field label="Actor" hint="Part of an email or key name">
        <Input name="actor" value={draft.actor} onChange={set("actor")} />
      </Field>
      <Field label="Target type">
        <Select name="targetType" value={draft.targetType} onChange={set("targetType")}>
          <option value="">Any</option>
          {targetTypes.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="From">
        <Input type="date" name="from" value={draft.from} onChange={set("from")} />
      </Field>
      <Field label="To">
        <Input type="date" name="to" value={draft.to} onChange={set("to")} />
      </Field>
      <div className="flex gap-2 sm:col-span-2 lg:col-span-6">
        <Button type="submit" size="sm">
          Apply filters
        </Button>
        {active && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setDraft(noFilters);
              onApply(noFilters);
            }}
          >
            Clear filters
          </Button>
        )}
      </div>
    </form>
  );
}

function describeDetails(details: Record<string, unknown> | null): string {
  if (!details) return "";
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

function AuditTable({ items, showOrg }: { items: AuditEntry[]; showOrg: boolean }) {
  return (
    <Table label="Audit log">
      <THead>
        <TR>
          <TH>Time</TH>
          {showOrg && <TH>Organization</TH>}
          <TH>Actor</TH>
          <TH>Action</TH>
          <TH>Target</TH>
          <TH>IP</TH>
        </TR>
      </THead>
      <TBody>
        {items.map((e) => {
          const details = describeDetails(e.details);
          return (
            <TR key={e.id}>
              <TD className="whitespace-nowrap">
                <Time value={e.at} />
              </TD>
              {showOrg && <TD className="whitespace-nowrap">{e.orgName ?? <span className="text-zinc-400">Platform</span>}</TD>}
              <TD>
                <span className="whitespace-nowrap">{e.actorLabel}</span>
                {e.actorType !== "user" && <Badge className="ml-1">{e.actorType === "api_key" ? "API key" : "System"}</Badge>}
              </TD>
              <TD>
                <code className="text-xs text-zinc-900">{e.action}</code>
                {details && (
                  <div className="max-w-xs truncate text-xs text-zinc-500" title={details}>
                    {details}
                  </div>
                )}
              </TD>
              <TD className="whitespace-nowrap">
                {e.targetType}
                {e.targetId && (
                  <span className="ml-1 font-mono text-xs text-zinc-500" title={e.targetId}>
                    {e.targetId.slice(0, 8)}
                  </span>
                )}
              </TD>
              <TD className="font-mono text-xs whitespace-nowrap">{e.ip ?? "—"}</TD>
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}

type PagedResult = {
  data: { pages: { items: AuditEntry[] }[] } | undefined;
  error: unknown;
  isPending: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
};

function AuditView({ filters, setFilters, query, showOrg }: { filters: Filters; setFilters: (f: Filters) => void; query: PagedResult; showOrg: boolean }) {
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filters).some(Boolean);
  return (
    <Card>
      <AuditFilters value={filters} onApply={setFilters} />
      {query.isPending ? (
        <LoadingBlock label="Loading the audit log" />
      ) : query.error ? (
        <CardBody>
          <ErrorMessage error={query.error} />
        </CardBody>
      ) : items.length === 0 ? (
        <EmptyState
          icon={<AppIcon name="audit" />}
          title={filtered ? "No entries match these filters" : "No entries yet"}
          description={filtered ? "Widen the date range or clear the filters." : "Every change (members, invitations, API keys, settings) is recorded here as it happens."}
        />
      ) : (
        <>
          <AuditTable items={items} showOrg={showOrg} />
          <LoadMore hasMore={query.hasNextPage} loading={query.isFetchingNextPage} onLoadMore={() => query.fetchNextPage()} count={items.length} />
        </>
      )}
    </Card>
  );
}

export function OrgAuditLog({ orgId }: { orgId: string }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ orgId, ...toInput(filters) }, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  return <AuditView filters={filters} setFilters={setFilters} query={query} showOrg={false} />;
}

export function PlatformAuditLog() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const query = useInfiniteQuery(trpc.audit.listAll.infiniteQueryOptions(toInput(filters), { getNextPageParam: (last) => last.nextCursor ?? undefined }));
  return <AuditView filters={filters} setFilters={setFilters} query={query} showOrg />;
}
