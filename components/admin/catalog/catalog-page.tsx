// The catalog in the provider console: services with their versions and plans; platform admins change them, support reads.
"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { AppIcon } from "@/components/icons";
import { Badge, Button, ButtonLink, Card, CardBody, CardHeader, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { formatCpu, formatDateTime, formatMemory, formatPrice } from "@/lib/format";
import { canPlatform } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { usePlatformRole } from "../admin-context";
import { PlanDialog } from "./plan-dialog";
import { ServiceDialog } from "./service-dialog";
import { ManifestDialog, ReleaseNotesDialog, VersionDialog } from "./version-dialog";
import { useInvalidateCatalog } from "./use-invalidate-catalog";

type Service = RouterOutputs["catalog"]["adminList"][number];
type Version = Service["versions"][number];
type Plan = Service["plans"][number];

const readOnlyReason = "Only platform admins can change the catalog";

export function CatalogPage() {
  const trpc = useTRPC();
  const role = usePlatformRole();
  const mayManage = canPlatform(role, "catalog:manage");
  const mayRollOut = canPlatform(role, "rollouts:manage");
  // Every platform role reads the whole catalog (archived entries and manifests included); only admins change it.
  const catalog = useQuery(trpc.catalog.adminList.queryOptions());
  const [adding, setAdding] = useState(false);

  return (
    <>
      <PageHeader
        title="Catalog"
        description="The services customers can run, their versions and the plans they can choose."
        actions={
          <Button onClick={() => setAdding(true)} disabledReason={mayManage ? null : readOnlyReason}>
            <AppIcon name="plus" className="size-4" /> Add service
          </Button>
        }
      />
      {catalog.isPending ? (
        <Card>
          <LoadingBlock label="Loading the catalog" />
        </Card>
      ) : catalog.error ? (
        <ErrorMessage error={catalog.error} />
      ) : catalog.data.length === 0 ? (
        <Card>
          <EmptyState
            icon={<AppIcon name="catalog" />}
            title="The catalog is empty"
            description="Add a service, then give it a version (image and manifest) and at least one plan so customers can run it."
            action={mayManage && <Button onClick={() => setAdding(true)}>Add service</Button>}
          />
        </Card>
      ) : (
        <div className="space-y-6">
          {catalog.data.map((s) => (
            <ServiceCard key={s.id} service={s as Service} mayManage={mayManage} mayRollOut={mayRollOut} />
          ))}
        </div>
      )}
      <ServiceDialog open={adding} onClose={() => setAdding(false)} />
    </>
  );
}

function ServiceCard({ service, mayManage, mayRollOut }: { service: Service; mayManage: boolean; mayRollOut: boolean }) {
  const [editing, setEditing] = useState(false);
  const [addingVersion, setAddingVersion] = useState(false);
  const [addingPlan, setAddingPlan] = useState(false);
  const [editingPlan, setEditingPlan] = useState<Plan | null>(null);
  const [viewing, setViewing] = useState<Version | null>(null);
  const [reading, setReading] = useState<Version | null>(null);
  const reason = mayManage ? null : readOnlyReason;

  return (
    <Card>
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            {service.name}
            <Badge tone={service.kind === "stateful" ? "amber" : "brand"}>{service.kind === "stateful" ? "Stateful" : "Stateless"}</Badge>
            {service.archived && <Badge tone="red">Archived</Badge>}
          </span>
        }
        description={
          <>
            <span className="font-mono text-xs">{service.slug}</span>
            {service.description && <span className="block">{service.description}</span>}
          </>
        }
        actions={
          <Button variant="secondary" size="sm" onClick={() => setEditing(true)} disabledReason={reason}>
            Edit service
          </Button>
        }
      />
      <CardBody className="space-y-6">
        <section aria-label={`Versions of ${service.name}`}>
          <div className="mb-2 flex items-center justify-between gap-2">
            <h3 className="text-sm font-semibold text-zinc-900">Versions</h3>
            <Button variant="ghost" size="sm" onClick={() => setAddingVersion(true)} disabledReason={reason}>
              <AppIcon name="plus" className="size-4" /> Add version
            </Button>
          </div>
          {service.versions.length === 0 ? (
            <p className="rounded-md bg-zinc-50 px-4 py-3 text-sm text-zinc-600">No versions yet. Add one with an image and a manifest template so customers can run this service.</p>
          ) : (
            <div className="rounded-md ring-1 ring-zinc-200">
              <VersionTable versions={service.versions} mayManage={mayManage} mayRollOut={mayRollOut && !service.archived} onView={setViewing} onRead={setReading} />
            </div>
          )}
        </section>
        <section aria-label={`Plans of ${service.name}`}>
          <div className="mb-2 flex items-center justify-between gap-2">
            <h3 className="text-sm font-semibold text-zinc-900">Plans</h3>
            <Button variant="ghost" size="sm" onClick={() => setAddingPlan(true)} disabledReason={reason}>
              <AppIcon name="plus" className="size-4" /> Add plan
            </Button>
          </div>
          {service.plans.length === 0 ? (
            <p className="rounded-md bg-zinc-50 px-4 py-3 text-sm text-zinc-600">No plans yet. Add a plan to say what customers get and what it costs.</p>
          ) : (
            <div className="rounded-md ring-1 ring-zinc-200">
              <PlanTable plans={service.plans} mayManage={mayManage} onEdit={setEditingPlan} />
            </div>
          )}
        </section>
      </CardBody>
      <ServiceDialog open={editing} onClose={() => setEditing(false)} service={service} />
      <VersionDialog open={addingVersion} onClose={() => setAddingVersion(false)} serviceId={service.id} serviceName={service.name} stateful={service.kind === "stateful"} />
      <PlanDialog open={addingPlan} onClose={() => setAddingPlan(false)} serviceId={service.id} serviceName={service.name} />
      <PlanDialog open={!!editingPlan} onClose={() => setEditingPlan(null)} serviceId={service.id} serviceName={service.name} plan={editingPlan ?? undefined} />
      <ReleaseNotesDialog open={!!reading} onClose={() => setReading(null)} title={`${service.name} ${reading?.version ?? ""} release notes`} notes={reading?.releaseNotes ?? ""} />
      <ManifestDialog open={!!viewing} onClose={() => setViewing(null)} title={`${service.name} ${viewing?.version ?? ""} manifest`} manifest={viewing?.manifestTemplate ?? ""} />
    </Card>
  );
}

function VersionTable({
  versions,
  mayManage,
  mayRollOut,
  onView,
  onRead,
}: {
  versions: Version[];
  mayManage: boolean;
  mayRollOut: boolean;
  onView: (v: Version) => void;
  onRead: (v: Version) => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateCatalog();
  const setDefault = useMutation(trpc.catalog.setDefaultVersion.mutationOptions({ onSuccess: invalidate }));
  return (
    <>
      {setDefault.error && <ErrorMessage className="m-3" error={setDefault.error} />}
      <Table label="Versions">
        <THead>
          <TR>
            <TH>Version and image</TH>
            <TH className="hidden lg:table-cell">Release notes</TH>
            <TH className="hidden md:table-cell">Upgrade</TH>
            <TH className="hidden md:table-cell">Added</TH>
            <TH className="text-right">
              <span className="sr-only">Actions</span>
            </TH>
          </TR>
        </THead>
        <TBody>
          {versions.map((v) => (
            <TR key={v.id}>
              <TD className="align-top">
                <div className="flex flex-wrap items-center gap-1 font-medium whitespace-nowrap text-zinc-900">
                  {v.version}
                  {v.isDefault && <Badge tone="green">Default</Badge>}
                  {v.mandatory && <Badge tone="red">Security patch</Badge>}
                </div>
                <div className="mt-0.5 font-mono text-xs break-all text-zinc-500">{v.image}</div>
                {v.mandatory && v.deadlineAt && <div className="mt-0.5 text-xs whitespace-nowrap text-red-700">Deadline {formatDateTime(v.deadlineAt)}</div>}
              </TD>
              <TD className="hidden max-w-sm align-top lg:table-cell">
                {v.releaseNotes ? (
                  <button type="button" onClick={() => onRead(v)} className="line-clamp-2 text-left text-xs text-zinc-600 hover:text-zinc-900" title="Read the release notes">
                    {v.releaseNotes}
                  </button>
                ) : (
                  <span className="text-xs text-zinc-400">None</span>
                )}
              </TD>
              <TD className="hidden align-top capitalize md:table-cell">
                {v.upgradeStrategy}
                {(v.snapshotBeforeUpgrade || v.replicaGateSeconds > 0) && (
                  <div className="text-xs normal-case text-zinc-500">
                    {[v.snapshotBeforeUpgrade && "snapshot first", v.replicaGateSeconds > 0 && `${v.replicaGateSeconds} s per replica`].filter(Boolean).join(" · ")}
                  </div>
                )}
              </TD>
              <TD className="hidden align-top whitespace-nowrap md:table-cell">
                <Time value={v.createdAt} mode="date" />
              </TD>
              <TD className="py-2 text-right align-top whitespace-nowrap">
                {v.releaseNotes && (
                  <Button variant="ghost" size="sm" className="lg:hidden" onClick={() => onRead(v)}>
                    Notes
                  </Button>
                )}
                {mayManage && (
                  <Button variant="ghost" size="sm" onClick={() => onView(v)}>
                    Manifest
                  </Button>
                )}
                {mayRollOut && (
                  <ButtonLink variant="ghost" size="sm" href={`/admin/rollouts?new=${v.id}`} aria-label={`Roll out ${v.version}`}>
                    Roll out
                  </ButtonLink>
                )}
                {mayManage && !v.isDefault && (
                  <Button
                    variant="ghost"
                    size="sm"
                    loading={setDefault.isPending && setDefault.variables?.versionId === v.id}
                    onClick={() => setDefault.mutate({ versionId: v.id })}
                  >
                    Make default
                  </Button>
                )}
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </>
  );
}

function PlanTable({ plans, mayManage, onEdit }: { plans: Plan[]; mayManage: boolean; onEdit: (p: Plan) => void }) {
  return (
    <Table label="Plans">
      <THead>
        <TR>
          <TH>Plan</TH>
          <TH>Resources</TH>
          <TH>Replicas</TH>
          <TH className="hidden md:table-cell">Scale to zero</TH>
          <TH>Price</TH>
          <TH className="hidden lg:table-cell">Stripe</TH>
          <TH>Status</TH>
          <TH className="text-right">
            <span className="sr-only">Actions</span>
          </TH>
        </TR>
      </THead>
      <TBody>
        {plans.map((p) => (
          <TR key={p.id}>
            <TD>
              <div className="font-medium text-zinc-900">{p.name}</div>
              <div className="font-mono text-xs text-zinc-500">{p.slug}</div>
            </TD>
            <TD className="whitespace-nowrap">
              {formatCpu(p.cpuMillis)} · {formatMemory(p.memoryMb)}
              {p.storageGb > 0 && <> · {p.storageGb} GiB disk</>}
            </TD>
            <TD>{p.replicas}</TD>
            <TD className="hidden whitespace-nowrap md:table-cell">{p.scaleToZero ? `After ${Math.round(p.idleTimeoutSeconds / 60)} min idle` : "Always on"}</TD>
            <TD className="whitespace-nowrap">{p.free ? <Badge tone="green">Free</Badge> : `${formatPrice(p.priceMonthlyCents)}/mo`}</TD>
            <TD className="hidden font-mono text-xs lg:table-cell">
              {p.stripePriceId || p.stripeMeteredPriceId ? (
                <>
                  {p.stripePriceId && <div>{p.stripePriceId}</div>}
                  {p.stripeMeteredPriceId && <div>{p.stripeMeteredPriceId} (metered)</div>}
                </>
              ) : (
                <span className="text-zinc-400">—</span>
              )}
            </TD>
            <TD>{p.active ? <Badge tone="green">Active</Badge> : <Badge>Inactive</Badge>}</TD>
            <TD className="text-right">
              {mayManage && (
                <Button variant="ghost" size="sm" onClick={() => onEdit(p)}>
                  Edit
                </Button>
              )}
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
