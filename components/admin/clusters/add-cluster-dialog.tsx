// Register a cluster: name, region, zones, kubeconfig (pasted or read from a file in the browser), cost and labels.
"use client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Dialog, ErrorMessage, Field, Input, Textarea } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage, fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { useInvalidateClusters, type Notice } from "./cluster-actions";
import { plural } from "./format";

const fields = ["name", "region", "zones", "kubeconfig", "costPerNodeHourCents", "labels"] as const;
const MAX_KUBECONFIG_BYTES = 256_000;

export function AddClusterDialog({ open, onClose, onNotice }: { open: boolean; onClose: () => void; onNotice: (n: Notice) => void }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      wide
      title="Add a cluster"
      description="Fleetplane connects with the kubeconfig first (reads the version and lists the nodes); nothing is saved if that fails. The kubeconfig is stored encrypted and never shown again."
    >
      {open && <AddClusterForm onDone={onClose} onNotice={onNotice} />}
    </Dialog>
  );
}

/** "env=prod\nteam=core" → { env: "prod", team: "core" }, or the first line that is not key=value. */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  const lines = text.split("\n").map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return { error: `Line ${i + 1} ("${line}") is not key=value` };
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { labels };
}

function parseZones(text: string): string[] | undefined {
  const zones = text.split(",").map((z) => z.trim()).filter(Boolean);
  return zones.length ? zones : undefined;
}

function AddClusterForm({ onDone, onNotice }: { onDone: () => void; onNotice: (n: Notice) => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateClusters();
  const [f, setF] = useState({ name: "", region: "", zones: "", kubeconfig: "", cost: "", labels: "" });
  const [fileNote, setFileNote] = useState<string | null>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const text = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((s) => ({ ...s, [k]: e.target.value }));

  const register = useMutation(
    trpc.clusters.register.mutationOptions({
      onSuccess: async (r) => {
        await invalidate();
        onNotice({ tone: "success", text: `Registered ${r.name}: Kubernetes ${r.version}, ${plural(r.nodes, "node")}. Its capacity shows below once synced.` });
        onDone();
      },
    }),
  );
  const errors = { ...fieldErrorsOf(register.error), ...localErrors };

  async function readFile(file: File | undefined) {
    if (!file) return;
    if (file.size > MAX_KUBECONFIG_BYTES) {
      setLocalErrors((e) => ({ ...e, kubeconfig: `${file.name} is too large for a kubeconfig (max 256 KB)` }));
      return;
    }
    const content = await file.text();
    setF((s) => ({ ...s, kubeconfig: content }));
    setLocalErrors(({ kubeconfig: _drop, ...rest }) => rest);
    setFileNote(`Read ${file.name} (${content.length.toLocaleString("en-US")} characters); check it below.`);
  }

  function submit() {
    const problems: Record<string, string> = {};
    const parsed = parseLabels(f.labels);
    if ("error" in parsed) problems.labels = parsed.error;
    const cost = f.cost.trim() === "" ? undefined : Math.round(Number(f.cost) * 100);
    if (cost !== undefined && (!Number.isFinite(cost) || cost < 0)) problems.costPerNodeHourCents = "Enter an amount in dollars, e.g. 0.45";
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0 || "error" in parsed) return;
    register.mutate({
      name: f.name,
      region: f.region,
      zones: parseZones(f.zones),
      kubeconfig: f.kubeconfig,
      costPerNodeHourCents: cost,
      labels: parsed.labels,
    });
  }

  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <ErrorMessage error={formErrorMessage(register.error, fields)} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" error={errors.name} hint="Lowercase letters, digits and dashes, e.g. prod-eu-1">
          <Input name="name" required autoComplete="off" value={f.name} onChange={text("name")} />
        </Field>
        <Field label="Region" error={errors.region} hint="e.g. eu-west-1; placement can be limited to a region">
          <Input name="region" required autoComplete="off" value={f.region} onChange={text("region")} />
        </Field>
      </div>
      <Field label="Zones" optional error={errors.zones} hint="Comma-separated. Left empty, the zones its nodes report are used.">
        <Input name="zones" autoComplete="off" placeholder="eu-west-1a, eu-west-1b, eu-west-1c" value={f.zones} onChange={text("zones")} />
      </Field>
      <Field label="Kubeconfig" error={errors.kubeconfig} hint={fileNote ?? "Paste it, or read it from a file (the file stays in your browser until you add the cluster)."}>
        <Textarea
          name="kubeconfig"
          required
          rows={10}
          spellCheck={false}
          autoComplete="off"
          className="font-mono text-xs"
          placeholder={"apiVersion: v1\nkind: Config\nclusters: …"}
          value={f.kubeconfig}
          onChange={text("kubeconfig")}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <label htmlFor="kubeconfig-file" className="text-zinc-600">
          Or read it from a file:
        </label>
        <input
          id="kubeconfig-file"
          type="file"
          accept=".yaml,.yml,.conf,.config,.kubeconfig,text/plain,application/yaml,application/x-yaml"
          className="block text-sm text-zinc-600 file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-zinc-800 hover:file:bg-zinc-200"
          onChange={(e) => void readFile(e.target.files?.[0])}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Cost per node-hour (USD)" optional error={errors.costPerNodeHourCents} hint="For cost reports, e.g. 0.45">
          <Input name="cost" type="number" min={0} step="0.01" inputMode="decimal" value={f.cost} onChange={text("cost")} />
        </Field>
        <Field label="Labels" optional error={errors.labels} hint="One key=value per line, e.g. environment=production">
          <Textarea name="labels" rows={3} spellCheck={false} className="font-mono text-xs" value={f.labels} onChange={text("labels")} />
        </Field>
      </div>
      {/* Kept in view while the long form scrolls, with the outcome of the last try next to the buttons. */}
      <div className="sticky bottom-0 -mx-5 -mb-4 flex items-center justify-end gap-2 border-t border-zinc-200 bg-zinc-50 px-5 py-3">
        {register.isPending ? (
          <span className="mr-auto text-sm text-zinc-500">Connecting to the cluster…</span>
        ) : register.error ? (
          <span className="mr-auto line-clamp-2 text-sm text-red-700">Not added: {errorMessage(register.error)}</span>
        ) : null}
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={register.isPending}>
          Connect and add
        </Button>
      </div>
    </form>
  );
}
