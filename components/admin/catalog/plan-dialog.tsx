// Create or edit a plan: resources, replicas, scale-to-zero and idle timeout, price (free or paid) and Stripe price ids.
"use client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Checkbox, Dialog, ErrorMessage, Field, Input, Textarea } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { useInvalidateCatalog } from "./use-invalidate-catalog";

type Plan = RouterOutputs["catalog"]["adminList"][number]["plans"][number];

export function PlanDialog({ open, onClose, serviceId, serviceName, plan }: { open: boolean; onClose: () => void; serviceId: string; serviceName: string; plan?: Plan }) {
  return (
    <Dialog open={open} onClose={onClose} wide title={plan ? `Edit plan ${plan.name}` : `Add a plan to ${serviceName}`} description="What a customer gets, and what it costs.">
      {open && <PlanForm serviceId={serviceId} plan={plan} onDone={onClose} />}
    </Dialog>
  );
}

const planFields = [
  "slug", "name", "cpuMillis", "memoryMb", "storageGb", "replicas", "scaleToZero", "idleTimeoutSeconds", "free",
  "priceMonthlyCents", "stripePriceId", "stripeMeteredPriceId", "features", "active",
] as const;

function num(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

function PlanForm({ serviceId, plan, onDone }: { serviceId: string; plan?: Plan; onDone: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateCatalog();
  const [f, setF] = useState({
    slug: plan?.slug ?? "",
    name: plan?.name ?? "",
    cpuMillis: String(plan?.cpuMillis ?? 250),
    memoryMb: String(plan?.memoryMb ?? 256),
    storageGb: String(plan?.storageGb ?? 0),
    replicas: String(plan?.replicas ?? 1),
    scaleToZero: plan?.scaleToZero ?? false,
    idleMinutes: String((plan?.idleTimeoutSeconds ?? 900) / 60),
    free: plan?.free ?? false,
    price: plan ? (plan.priceMonthlyCents / 100).toFixed(2) : "0.00",
    stripePriceId: plan?.stripePriceId ?? "",
    stripeMeteredPriceId: plan?.stripeMeteredPriceId ?? "",
    features: (plan?.features ?? []).join("\n"),
    active: plan?.active ?? true,
  });
  const text = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((s) => ({ ...s, [k]: e.target.value }));
  const flag = (k: keyof typeof f) => (e: { target: { checked: boolean } }) => setF((s) => ({ ...s, [k]: e.target.checked }));

  const onSuccess = async () => {
    await invalidate();
    onDone();
  };
  const create = useMutation(trpc.catalog.createPlan.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.catalog.updatePlan.mutationOptions({ onSuccess }));
  const error = plan ? update.error : create.error;
  const errors = fieldErrorsOf(error);

  function submit() {
    const values = {
      name: f.name,
      cpuMillis: num(f.cpuMillis),
      memoryMb: num(f.memoryMb),
      storageGb: num(f.storageGb),
      replicas: num(f.replicas),
      scaleToZero: f.scaleToZero,
      idleTimeoutSeconds: Math.round(num(f.idleMinutes) * 60),
      free: f.free,
      priceMonthlyCents: f.free ? 0 : Math.round(num(f.price) * 100),
      stripePriceId: f.stripePriceId.trim() || null,
      stripeMeteredPriceId: f.stripeMeteredPriceId.trim() || null,
      features: f.features.split("\n").map((l) => l.trim()).filter(Boolean),
    };
    if (plan) update.mutate({ planId: plan.id, ...values, active: f.active });
    else create.mutate({ serviceId, slug: f.slug, ...values });
  }

  return (
    <form
      className="space-y-5"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <ErrorMessage error={formErrorMessage(error, planFields)} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" error={errors.name}>
          <Input name="name" required value={f.name} onChange={text("name")} />
        </Field>
        {plan ? (
          <Field label="Address" hint="Cannot be changed.">
            <Input value={plan.slug} readOnly disabled />
          </Field>
        ) : (
          <Field label="Address" error={errors.slug} hint="e.g. standard">
            <Input name="slug" required value={f.slug} onChange={(e) => setF((s) => ({ ...s, slug: e.target.value.toLowerCase() }))} />
          </Field>
        )}
      </div>

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-zinc-900">Resources per replica</legend>
        <div className="grid gap-4 sm:grid-cols-4">
          <Field label="CPU (millicores)" error={errors.cpuMillis} hint="1000 = 1 vCPU">
            <Input name="cpuMillis" type="number" min={50} step={50} required value={f.cpuMillis} onChange={text("cpuMillis")} />
          </Field>
          <Field label="Memory (MiB)" error={errors.memoryMb}>
            <Input name="memoryMb" type="number" min={64} required value={f.memoryMb} onChange={text("memoryMb")} />
          </Field>
          <Field label="Storage (GiB)" error={errors.storageGb} hint="0 for none">
            <Input name="storageGb" type="number" min={0} required value={f.storageGb} onChange={text("storageGb")} />
          </Field>
          <Field label="Replicas" error={errors.replicas}>
            <Input name="replicas" type="number" min={1} max={20} required value={f.replicas} onChange={text("replicas")} />
          </Field>
        </div>
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-3 text-sm font-semibold text-zinc-900">Idle behaviour</legend>
        <div className="sm:pt-7">
          <Checkbox label="Scale to zero when idle" hint="Wakes on the next request." checked={f.scaleToZero} onChange={flag("scaleToZero")} />
        </div>
        <Field label="Idle timeout (minutes)" error={errors.idleTimeoutSeconds} hint="No traffic for this long puts the instance to sleep.">
          <Input name="idleMinutes" type="number" min={1} step="any" required value={f.idleMinutes} onChange={text("idleMinutes")} disabled={!f.scaleToZero} />
        </Field>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-zinc-900">Price</legend>
        <Checkbox label="Free plan" checked={f.free} onChange={flag("free")} />
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Monthly price (USD)" error={errors.priceMonthlyCents}>
            <Input name="price" type="number" min={0} step="0.01" value={f.free ? "0.00" : f.price} onChange={text("price")} disabled={f.free} />
          </Field>
          <Field label="Stripe price id" optional error={errors.stripePriceId} hint="The monthly subscription price">
            <Input name="stripePriceId" value={f.stripePriceId} onChange={text("stripePriceId")} placeholder="price_…" />
          </Field>
          <Field label="Stripe metered price id" optional error={errors.stripeMeteredPriceId} hint="Usage-based price">
            <Input name="stripeMeteredPriceId" value={f.stripeMeteredPriceId} onChange={text("stripeMeteredPriceId")} placeholder="price_…" />
          </Field>
        </div>
      </fieldset>

      <Field label="Features" optional error={errors.features} hint="One per line; shown to customers when they choose a plan.">
        <Textarea name="features" rows={3} value={f.features} onChange={text("features")} />
      </Field>

      {plan && <Checkbox label="Active" hint="Inactive plans are hidden from customers; existing instances keep them." checked={f.active} onChange={flag("active")} />}

      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending || update.isPending}>
          {plan ? "Save plan" : "Add plan"}
        </Button>
      </div>
    </form>
  );
}
