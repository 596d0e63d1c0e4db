// The "New rollout" form: a published version of a service, which instances (plans, organizations, clusters, regions;
// none chosen = all), the waves (a canary, then cumulative percentages), the health gate and the failure threshold,
// maintenance windows and an optional start. Shows an estimate of the instances and wave sizes as it is filled in.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { Badge, Button, Checkbox, Dialog, ErrorMessage, Field, Input, MultiSelect, Select } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterInputs, RouterOutputs } from "@/lib/trpc/types";
import { splitIntoWaves } from "@/server/rollouts/wave-plan";

type Service = RouterOutputs["catalog"]["adminList"][number];
type CreateInput = RouterInputs["rollouts"]["create"];

const FIELDS = ["versionId", "target", "waves", "soakSeconds", "maxParallel", "failureThreshold", "respectMaintenanceWindows", "startsAt"] as const;
/** The fleet list's largest page: an estimate at this size reads "at least". */
const FLEET_LIMIT = 500;

export function NewRolloutDialog({ open, onClose, initialVersionId }: { open: boolean; onClose: () => void; initialVersionId?: string }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      wide
      title="New rollout"
      description="Upgrade instances to a published version in waves: a canary first, then growing percentages, each wave held healthy for the soak time before the next."
    >
      {open && <NewRolloutForm initialVersionId={initialVersionId} onCancel={onClose} />}
    </Dialog>
  );
}

/** "25, 50, 100" → [25, 50, 100]; null when something is not a number. */
function parsePercents(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const values = parts.map((p) => Number(p.replace(/%$/, "")));
  return values.every((v) => Number.isFinite(v)) ? values : null;
}

function NewRolloutForm({ initialVersionId, onCancel }: { initialVersionId?: string; onCancel: () => void }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.adminList.queryOptions());
  if (catalog.isPending) return <p className="py-6 text-center text-sm text-zinc-500">Loading the catalog…</p>;
  if (catalog.error) return <ErrorMessage error={catalog.error} />;
  const services = (catalog.data as Service[]).filter((s) => !s.archived && s.versions.length > 0);
  if (services.length === 0) return <p className="text-sm text-zinc-600">No service has a published version yet. Add a version in the catalog first.</p>;
  const initialService = services.find((s) => s.versions.some((v) => v.id === initialVersionId)) ?? services[0]!;
  return <RolloutForm services={services} initialService={initialService} initialVersionId={initialVersionId} onCancel={onCancel} />;
}

function RolloutForm({ services, initialService, initialVersionId, onCancel }: { services: Service[]; initialService: Service; initialVersionId?: string; onCancel: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const orgs = useQuery(trpc.orgs.listAll.queryOptions());
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const fleet = useQuery(trpc.fleet.instances.queryOptions({ limit: FLEET_LIMIT }));

  const [serviceId, setServiceId] = useState(initialService.id);
  const service = services.find((s) => s.id === serviceId) ?? initialService;
  const [versionId, setVersionId] = useState(initialService.versions.some((v) => v.id === initialVersionId) ? initialVersionId! : initialService.versions[0]!.id);
  const version = service.versions.find((v) => v.id === versionId) ?? service.versions[0]!;
  const [planIds, setPlanIds] = useState<string[]>([]);
  const [orgIds, setOrgIds] = useState<string[]>([]);
  const [clusterIds, setClusterIds] = useState<string[]>([]);
  const [regions, setRegions] = useState<string[]>([]);
  const [canaryMode, setCanaryMode] = useState<"count" | "percent">("count");
  const [canary, setCanary] = useState("1");
  const [percentsText, setPercentsText] = useState("25, 50, 100");
  const [soak, setSoak] = useState("300");
  const [maxParallel, setMaxParallel] = useState("50");
  const [thresholdMode, setThresholdMode] = useState<"count" | "percent">("count");
  const [threshold, setThreshold] = useState("1");
  const [respectWindows, setRespectWindows] = useState(true);
  const [startsAt, setStartsAt] = useState("");

  const create = useMutation(
    trpc.rollouts.create.mutationOptions({
      onSuccess: async (r) => {
        await queryClient.invalidateQueries({ queryKey: trpc.rollouts.list.queryKey() });
        router.push(`/admin/rollouts/${r.id}`);
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  /** Editing a field the API refused clears the refusal. */
  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      if (create.error) create.reset();
      set(v);
    };
  const percents = parsePercents(percentsText);
  const canaryValue = Number(canary);
  const plan = percents && canaryValue > 0 ? { canary: canaryMode === "count" ? { count: Math.round(canaryValue) } : { percent: canaryValue }, percents } : null;

  // The estimate: the fleet's instances of this service (by its plans) that the filters keep and that are not on the version yet.
  const servicePlans = new Set(service.plans.map((p) => p.id));
  const matching = fleet.data?.filter(
    (i) =>
      servicePlans.has(i.planId) &&
      i.desiredState !== "deleted" &&
      i.version !== version.version &&
      (planIds.length === 0 || planIds.includes(i.planId)) &&
      (orgIds.length === 0 || orgIds.includes(i.orgId)) &&
      (clusterIds.length === 0 || (i.clusterId !== null && clusterIds.includes(i.clusterId))) &&
      (regions.length === 0 || (i.clusterRegion !== null && regions.includes(i.clusterRegion))),
  );
  const estimate = matching?.length;
  const waveSizes = plan && estimate ? splitIntoWaves(estimate, plan) : [];
  const clusterRegions = [...new Set((clusters.data ?? []).map((c) => c.region))].sort();

  function submit() {
    if (!percents) return;
    const target: NonNullable<CreateInput["target"]> = {};
    if (planIds.length) target.planIds = planIds;
    if (orgIds.length) target.orgIds = orgIds;
    if (clusterIds.length) target.clusterIds = clusterIds;
    if (regions.length) target.regions = regions;
    create.mutate({
      versionId: version.id,
      target,
      waves: { canary: canaryMode === "count" ? { count: Math.round(canaryValue) } : { percent: canaryValue }, percents },
      soakSeconds: Number(soak),
      maxParallel: Number(maxParallel),
      failureThreshold: thresholdMode === "count" ? { count: Number(threshold) } : { percent: Number(threshold) },
      respectMaintenanceWindows: respectWindows,
      startsAt: startsAt ? new Date(startsAt) : undefined,
    });
  }

  return (
    <form
      className="space-y-6"
      aria-label="New rollout"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <ErrorMessage error={formErrorMessage(create.error, FIELDS)} />
      <Section title="Version">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Service">
            <Select
              name="service"
              value={serviceId}
              onChange={(e) => {
                const next = services.find((s) => s.id === e.target.value)!;
                setServiceId(next.id);
                setVersionId(next.versions[0]!.id);
                setPlanIds([]);
              }}
            >
              {services.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Version" error={errors.versionId} hint="Newest first. Instances already on it are left out.">
            <Select name="version" value={version.id} onChange={(e) => setVersionId(e.target.value)}>
              {service.versions.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.version}
                  {v.isDefault ? " (default)" : ""}
                  {v.mandatory ? " · security patch" : ""}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <VersionSummary version={version} />
      </Section>

      <Section title="Instances" description="Only instances matching every filter are upgraded; a filter left empty matches all.">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Plans">
            <MultiSelect label="Plans" allLabel="All plans" value={planIds} onChange={setPlanIds} options={service.plans.map((p) => ({ value: p.id, label: p.name, hint: p.slug }))} />
          </Field>
          <Field label="Organizations">
            <MultiSelect label="Organizations" allLabel="All organizations" value={orgIds} onChange={setOrgIds} options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name, hint: o.slug }))} />
          </Field>
          <Field label="Clusters">
            <MultiSelect label="Clusters" allLabel="All clusters" value={clusterIds} onChange={setClusterIds} options={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name, hint: c.region }))} />
          </Field>
          <Field label="Regions" error={errors.target}>
            <MultiSelect label="Regions" allLabel="All regions" value={regions} onChange={setRegions} options={clusterRegions.map((r) => ({ value: r, label: r }))} />
          </Field>
        </div>
        <Estimate estimate={estimate} capped={(fleet.data?.length ?? 0) >= FLEET_LIMIT} waveSizes={waveSizes} version={version.version} loading={fleet.isPending} />
      </Section>

      <Section title="Waves and health gate">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Canary" hint={canaryMode === "count" ? "The first wave: this many instances." : "The first wave: this share of the instances (at most 50 %)."}>
            <div className="flex gap-2">
              <Input name="canary" type="number" required min={canaryMode === "count" ? 1 : 0.1} max={canaryMode === "count" ? 1000 : 50} step={canaryMode === "count" ? 1 : "any"} value={canary} onChange={(e) => edit(setCanary)(e.target.value)} className="w-28" />
              <Select id="rollout-canary-unit" aria-label="Canary unit" value={canaryMode} onChange={(e) => setCanaryMode(e.target.value as "count" | "percent")} className="w-40">
                <option value="count">instances</option>
                <option value="percent">% of instances</option>
              </Select>
            </div>
          </Field>
          <Field
            label="Wave percentages"
            error={errors.waves ?? (percents ? null : "Use numbers separated by commas, e.g. 25, 50, 100")}
            hint="After the canary, cumulative shares of all instances; the last is 100."
          >
            <Input name="percents" required value={percentsText} onChange={(e) => edit(setPercentsText)(e.target.value)} placeholder="25, 50, 100" />
          </Field>
          <Field label="Soak time (seconds)" error={errors.soakSeconds} hint="A wave's upgraded instances stay healthy this long before the next wave starts.">
            <Input name="soakSeconds" type="number" required min={0} max={604800} value={soak} onChange={(e) => edit(setSoak)(e.target.value)} />
          </Field>
          <Field label="Max parallel" error={errors.maxParallel} hint="Upgrades under way at once.">
            <Input name="maxParallel" type="number" required min={1} max={500} value={maxParallel} onChange={(e) => edit(setMaxParallel)(e.target.value)} />
          </Field>
          <Field label="Failure threshold" error={errors.failureThreshold} hint="The rollout pauses by itself when this many upgrades fail.">
            <div className="flex gap-2">
              <Input name="failureThreshold" type="number" required min={thresholdMode === "count" ? 1 : 0.1} max={thresholdMode === "count" ? undefined : 100} step={thresholdMode === "count" ? 1 : "any"} value={threshold} onChange={(e) => edit(setThreshold)(e.target.value)} className="w-28" />
              <Select id="rollout-threshold-unit" aria-label="Failure threshold unit" value={thresholdMode} onChange={(e) => setThresholdMode(e.target.value as "count" | "percent")} className="w-40">
                <option value="count">failures</option>
                <option value="percent">% of attempts</option>
              </Select>
            </div>
          </Field>
          <Field label="Start" optional error={errors.startsAt} hint="Customers are told at once; upgrades begin at this time (your browser's time zone). Empty = now.">
            <Input name="startsAt" type="datetime-local" value={startsAt} onChange={(e) => edit(setStartsAt)(e.target.value)} />
          </Field>
        </div>
        <Checkbox
          label="Respect maintenance windows"
          hint="Each organization's instances are upgraded only inside its windows (a mandatory patch past its deadline ignores them)."
          checked={respectWindows}
          onChange={(e) => setRespectWindows(e.target.checked)}
        />
      </Section>

      <div className="flex justify-end gap-2 border-t border-zinc-200 pt-4">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending} disabledReason={percents ? null : "Fix the wave percentages first"}>
          Start rollout
        </Button>
      </div>
    </form>
  );
}

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-4">
      <legend className="text-sm font-semibold text-zinc-900">{title}</legend>
      {description && <p className="-mt-3 text-sm text-zinc-600">{description}</p>}
      {children}
    </fieldset>
  );
}

function VersionSummary({ version: v }: { version: Service["versions"][number] }) {
  return (
    <div className="rounded-md bg-zinc-50 px-3 py-2 text-sm ring-1 ring-zinc-200 ring-inset">
      <p className="flex flex-wrap items-center gap-2 text-zinc-700">
        <span className="font-mono text-xs break-all">{v.image}</span>
        {v.mandatory && <Badge tone="red">Security patch{v.deadlineAt ? ` · due ${formatDateTime(v.deadlineAt)}` : ""}</Badge>}
        <span className="text-xs text-zinc-500">{v.upgradeStrategy === "recreate" ? "Recreate" : "Rolling"} upgrade</span>
      </p>
      {v.releaseNotes ? <p className="mt-1 line-clamp-3 whitespace-pre-line text-zinc-600">{v.releaseNotes}</p> : <p className="mt-1 text-zinc-400">No release notes.</p>}
    </div>
  );
}

function Estimate({ estimate, capped, waveSizes, version, loading }: { estimate?: number; capped: boolean; waveSizes: number[]; version: string; loading: boolean }) {
  if (loading) return <p className="text-sm text-zinc-500">Counting matching instances…</p>;
  if (estimate === undefined) return null;
  if (estimate === 0) return <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset">No instance matches these filters that is not already on {version}.</p>;
  return (
    <p className="rounded-md bg-brand-50 px-3 py-2 text-sm text-brand-900 ring-1 ring-brand-200 ring-inset" aria-live="polite">
      About <strong className="tabular-nums">{capped ? `${estimate}+` : estimate}</strong> instance{estimate === 1 ? "" : "s"} to upgrade to {version}
      {waveSizes.length > 0 && (
        <>
          , in {waveSizes.length} wave{waveSizes.length === 1 ? "" : "s"} of <span className="tabular-nums">{waveSizes.join(" → ")}</span>
        </>
      )}
      .
    </p>
  );
}
