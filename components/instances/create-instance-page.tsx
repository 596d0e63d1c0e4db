// Creating an instance, one decision at a time: service → plan (size and price) → region (optional) → name.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { Badge, Button, Card, CardBody, EmptyState, ErrorMessage, Field, Input, LoadingBlock, PageHeader, Select, cn } from "@/components/ui";
import { AppIcon } from "@/components/icons";
import { NotAllowed } from "@/components/org/not-allowed";
import { useOrg } from "@/components/org/org-context";
import { formatCpu, formatMemory, formatPrice } from "@/lib/format";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { instanceNameProblem, regionProblem, suggestName } from "./instance-name";

type Service = RouterOutputs["catalog"]["list"][number];
type Plan = Service["plans"][number];

export function CreateInstancePage() {
  const org = useOrg();
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const back = `/o/${org.slug}/instances`;

  if (!can(org.role, "instances:create")) {
    return (
      <>
        <PageHeader title="Create instance" />
        <NotAllowed what="creating instances" who="owners, admins and members" />
      </>
    );
  }
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href={back} className="text-zinc-500 hover:text-zinc-800">
          ← Instances
        </Link>
      </nav>
      <PageHeader title="Create instance" description="Choose what to run and how big. Fleetplane places it on a cluster with room for it and provisions it step by step." />
      {catalog.isPending ? (
        <Card>
          <LoadingBlock label="Loading the catalog" />
        </Card>
      ) : catalog.error ? (
        <ErrorMessage error={catalog.error} />
      ) : catalog.data.length === 0 ? (
        <Card>
          <EmptyState icon={<AppIcon name="catalog" />} title="Nothing to run yet" description="The provider has not published any service. Come back later, or ask them." />
        </Card>
      ) : (
        <CreateForm services={catalog.data} />
      )}
    </>
  );
}

function Section({ n, title, description, children, done }: { n: number; title: string; description?: ReactNode; children: ReactNode; done?: boolean }) {
  return (
    <Card>
      <div className="flex items-start gap-3 border-b border-zinc-200 px-4 py-3 sm:px-5">
        <span
          aria-hidden="true"
          className={cn("mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full text-xs font-semibold", done ? "bg-brand-600 text-white" : "bg-zinc-100 text-zinc-600")}
        >
          {n}
        </span>
        <div>
          <h2 className="text-base font-semibold text-zinc-900">
            <span className="sr-only">Step {n}: </span>
            {title}
          </h2>
          {description && <p className="mt-0.5 text-sm text-zinc-600">{description}</p>}
        </div>
      </div>
      <CardBody>{children}</CardBody>
    </Card>
  );
}

function CreateForm({ services }: { services: Service[] }) {
  const org = useOrg();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [serviceId, setServiceId] = useState<string | null>(services.length === 1 ? services[0]!.id : null);
  const [planId, setPlanId] = useState<string | null>(null);
  const [anyRegion, setAnyRegion] = useState(true);
  const [region, setRegion] = useState("");
  const regions = useQuery(trpc.catalog.regions.queryOptions());
  const [name, setName] = useState(() => (services.length === 1 ? suggestName(services[0]!.slug) : ""));
  const [nameTouched, setNameTouched] = useState(false);
  const [submitted, setSubmitted] = useState(false);

  const create = useMutation(
    trpc.instances.create.mutationOptions({
      onSuccess: async (created) => {
        await queryClient.invalidateQueries({ queryKey: trpc.instances.list.queryKey({ orgId: org.id }) });
        router.push(`/o/${org.slug}/instances/${created.id}`);
      },
    }),
  );
  const service = services.find((s) => s.id === serviceId) ?? null;
  const plan = service?.plans.find((p) => p.id === planId) ?? null;
  const serverErrors = fieldErrorsOf(create.error);
  const nameError = submitted || nameTouched ? instanceNameProblem(name) : null;
  const regionError = !anyRegion && submitted ? regionProblem(region) : null;

  function pickService(s: Service) {
    if (s.id === serviceId) return;
    setServiceId(s.id);
    setPlanId(null);
    if (!nameTouched) setName(suggestName(s.slug));
    create.reset();
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (!plan || instanceNameProblem(name) || (!anyRegion && regionProblem(region))) return;
    create.mutate({ orgId: org.id, planId: plan.id, name: name.trim().toLowerCase(), ...(anyRegion ? {} : { region: region.trim() }) });
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
      <div className="space-y-6">
        <Section n={1} title="Service" description="What to run." done={!!service}>
          <div role="radiogroup" aria-label="Service" className="grid gap-3 sm:grid-cols-2">
            {services.map((s) => (
              <ServiceCard key={s.id} service={s} selected={s.id === serviceId} onSelect={() => pickService(s)} />
            ))}
          </div>
        </Section>

        {service && (
          <Section n={2} title="Plan" description="How much CPU, memory and storage it gets, and what it costs. You can change plans later." done={!!plan}>
            {service.plans.length === 0 ? (
              <p className="text-sm text-zinc-600">{service.name} has no plans on offer yet.</p>
            ) : (
              <div role="radiogroup" aria-label="Plan" className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
                {service.plans.map((p) => (
                  <PlanCard
                    key={p.id}
                    plan={p}
                    selected={p.id === planId}
                    onSelect={() => {
                      setPlanId(p.id);
                      create.reset();
                    }}
                  />
                ))}
              </div>
            )}
            {submitted && !plan && <p className="mt-3 text-sm text-red-700">Choose a plan.</p>}
            {serverErrors.planId && <p className="mt-3 text-sm text-red-700">{serverErrors.planId}</p>}
          </Section>
        )}

        {plan && (
          <>
            <Section n={3} title="Region" description="Where it runs. Leave it to Fleetplane unless your users or data must be in one place." done>
              <fieldset className="space-y-3">
                <legend className="sr-only">Region</legend>
                <RadioRow checked={anyRegion} onChange={() => setAnyRegion(true)} label="Any region (recommended)" hint="Placed on the cluster with the most room for this plan." />
                <RadioRow checked={!anyRegion} onChange={() => setAnyRegion(false)} label="A specific region" hint="Only clusters in this region are considered." />
                {!anyRegion && (
                  <div className="pl-7">
                    <Field label="Region" error={regionError ?? serverErrors.region ?? null} hint="Regions with clusters taking new instances. If none there has room, you are told so and nothing is created.">
                      <Select
                        name="region"
                        value={region}
                        className="max-w-xs font-mono"
                        onChange={(e) => {
                          setRegion(e.target.value);
                          create.reset();
                        }}
                      >
                        <option value="">Choose a region…</option>
                        {(regions.data ?? []).map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </Select>
                    </Field>
                  </div>
                )}
                {anyRegion && serverErrors.region && <p className="text-sm text-red-700">{serverErrors.region}</p>}
              </fieldset>
            </Section>

            <Section n={4} title="Name" description="How you will find it; it is also part of its address." done={!instanceNameProblem(name)}>
              <Field label="Instance name" error={nameError ?? serverErrors.name ?? null} hint="1–30 lowercase letters, digits and dashes, starting with a letter. Unique in your organization.">
                <Input
                  name="name"
                  value={name}
                  maxLength={40}
                  autoComplete="off"
                  spellCheck={false}
                  className="max-w-sm font-mono"
                  onChange={(e) => {
                    setName(e.target.value.toLowerCase());
                    setNameTouched(true);
                    create.reset();
                  }}
                />
              </Field>
            </Section>
          </>
        )}
      </div>

      <aside className="lg:sticky lg:top-20 lg:self-start">
        <Card>
          <div className="border-b border-zinc-200 px-4 py-3">
            <h2 className="text-base font-semibold text-zinc-900">Summary</h2>
          </div>
          <CardBody className="space-y-4">
            <dl className="space-y-2 text-sm">
              <SummaryRow label="Service" value={service?.name} />
              <SummaryRow label="Plan" value={plan?.name} />
              <SummaryRow label="Region" value={plan ? (anyRegion ? "Any region" : region.trim() || "—") : undefined} />
              <SummaryRow label="Name" value={plan ? name.trim() || "—" : undefined} mono />
            </dl>
            <div className="flex items-baseline justify-between border-t border-zinc-200 pt-3">
              <span className="text-sm text-zinc-600">Price</span>
              <span className="text-lg font-semibold text-zinc-900 tabular-nums">{plan ? (plan.free || plan.priceMonthlyCents === 0 ? "Free" : `${formatPrice(plan.priceMonthlyCents)}/mo`) : "—"}</span>
            </div>
            <ErrorMessage error={formErrorMessage(create.error, ["name", "region", "planId"])} />
            {Object.keys(serverErrors).length > 0 && !formErrorMessage(create.error, ["name", "region", "planId"]) && (
              <p className="text-sm text-red-700" role="alert">
                Not created: see the message under {fieldNames(Object.keys(serverErrors))}.
              </p>
            )}
            <Button type="submit" className="w-full" loading={create.isPending || create.isSuccess} disabled={!plan}>
              Create instance
            </Button>
            {!plan && <p className="text-center text-xs text-zinc-500">Choose a service and a plan first.</p>}
          </CardBody>
        </Card>
      </aside>
    </form>
  );
}

const fieldLabels: Record<string, string> = { name: "Name", region: "Region", planId: "Plan" };

function fieldNames(fields: string[]): string {
  const names = fields.map((f) => fieldLabels[f] ?? f);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function SummaryRow({ label, value, mono }: { label: string; value: string | undefined; mono?: boolean }) {
  return (
    <div className="flex items-baseline justify-between gap-3">
      <dt className="text-zinc-500">{label}</dt>
      <dd className={cn("min-w-0 truncate text-right", value ? "font-medium text-zinc-900" : "text-zinc-400", mono && value && "font-mono text-xs")}>{value ?? "Not chosen"}</dd>
    </div>
  );
}

function RadioRow({ checked, onChange, label, hint }: { checked: boolean; onChange: () => void; label: string; hint: string }) {
  return (
    <label className="flex cursor-pointer items-start gap-3">
      <input type="radio" name="region-choice" checked={checked} onChange={onChange} className="mt-0.5 size-4 accent-brand-600" />
      <span>
        <span className="block text-sm font-medium text-zinc-900">{label}</span>
        <span className="block text-xs text-zinc-500">{hint}</span>
      </span>
    </label>
  );
}

function choiceClasses(selected: boolean, disabled?: boolean) {
  return cn(
    "relative flex h-full w-full flex-col rounded-lg p-4 text-left ring-1 transition-shadow focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500",
    disabled ? "cursor-not-allowed bg-zinc-50 opacity-60 ring-zinc-200" : selected ? "bg-brand-50 ring-2 ring-brand-500" : "bg-white ring-zinc-200 hover:ring-zinc-400",
  );
}

function SelectedMark({ selected }: { selected: boolean }) {
  return (
    <span
      aria-hidden="true"
      className={cn("absolute top-3 right-3 flex size-5 items-center justify-center rounded-full ring-1", selected ? "bg-brand-600 text-white ring-brand-600" : "bg-white ring-zinc-300")}
    >
      {selected && (
        <svg viewBox="0 0 24 24" className="size-3" fill="none" stroke="currentColor" strokeWidth={3} strokeLinecap="round" strokeLinejoin="round">
          <path d="m5 12.5 4.5 4.5L19 7.5" />
        </svg>
      )}
    </span>
  );
}

function ServiceCard({ service, selected, onSelect }: { service: Service; selected: boolean; onSelect: () => void }) {
  const prices = service.plans.map((p) => (p.free ? 0 : p.priceMonthlyCents));
  const cheapest = prices.length ? Math.min(...prices) : null;
  const disabled = service.plans.length === 0;
  return (
    <button type="button" role="radio" aria-checked={selected} disabled={disabled} onClick={onSelect} className={choiceClasses(selected, disabled)}>
      <SelectedMark selected={selected} />
      <span className="pr-8 font-semibold text-zinc-900">{service.name}</span>
      <span className="mt-1 flex flex-wrap gap-1.5">
        <Badge tone={service.kind === "stateful" ? "brand" : "neutral"}>{service.kind === "stateful" ? "Stateful, keeps data" : "Stateless"}</Badge>
      </span>
      {service.description && <span className="mt-2 text-sm text-zinc-600">{service.description}</span>}
      <span className="mt-auto pt-3 text-xs text-zinc-500">
        {disabled ? "No plans on offer yet" : cheapest === 0 ? `${service.plans.length} plans · a free plan` : `${service.plans.length} plans · from ${formatPrice(cheapest!)}/mo`}
      </span>
    </button>
  );
}

function PlanCard({ plan, selected, onSelect }: { plan: Plan; selected: boolean; onSelect: () => void }) {
  const free = plan.free || plan.priceMonthlyCents === 0;
  const specs: [string, string][] = [
    ["CPU", formatCpu(plan.cpuMillis)],
    ["Memory", formatMemory(plan.memoryMb)],
    ["Storage", plan.storageGb > 0 ? `${plan.storageGb} GiB` : "None"],
    ["Replicas", String(plan.replicas)],
    ["When idle", plan.scaleToZero ? `Sleeps after ${Math.round(plan.idleTimeoutSeconds / 60)} min` : "Always on"],
  ];
  // Features that only repeat a number shown above are left out.
  const shown = new Set([`${plan.storageGb} gib storage`, `${plan.replicas} replicas`, "always on"]);
  const features = plan.features.filter((f) => !shown.has(f.trim().toLowerCase()) && !/^(sleeps|scales to zero) after/i.test(f.trim()));
  return (
    <button type="button" role="radio" aria-checked={selected} onClick={onSelect} className={choiceClasses(selected)}>
      <SelectedMark selected={selected} />
      <span className="pr-8 font-semibold text-zinc-900">{plan.name}</span>
      <span className="mt-1">
        {free ? (
          <span className="text-2xl font-semibold text-zinc-900">Free</span>
        ) : (
          <>
            <span className="text-2xl font-semibold text-zinc-900 tabular-nums">{formatPrice(plan.priceMonthlyCents)}</span>
            <span className="text-sm text-zinc-500"> /month</span>
          </>
        )}
      </span>
      <span className="mt-3 block space-y-0.5 text-xs">
        {specs.map(([label, value]) => (
          <span key={label} className="flex justify-between gap-2">
            <span className="text-zinc-500">{label}</span>
            <span className="text-right font-medium text-zinc-800 tabular-nums">{value}</span>
          </span>
        ))}
      </span>
      {features.length > 0 && (
        <span className="mt-3 block space-y-1 border-t border-zinc-200 pt-3 text-xs text-zinc-600">
          {features.map((f) => (
            <span key={f} className="flex gap-1.5">
              <svg viewBox="0 0 24 24" className="mt-px size-3.5 shrink-0 text-green-600" fill="none" stroke="currentColor" strokeWidth={2.5} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
                <path d="m5 12.5 4.5 4.5L19 7.5" />
              </svg>
              {f}
            </span>
          ))}
        </span>
      )}
    </button>
  );
}
