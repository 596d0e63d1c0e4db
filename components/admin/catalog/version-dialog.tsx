// Add a version of a service (image, manifest template, upgrade strategy, release notes, whether it is a mandatory
// security patch with a deadline, and for stateful services a volume snapshot first and a health gate per replica),
// or read an existing version's manifest or release notes.
"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Checkbox, Dialog, ErrorMessage, Field, Input, Select, Textarea } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { useInvalidateCatalog } from "./use-invalidate-catalog";

const placeholderHint =
  "Kubernetes YAML. Placeholders filled per instance: {{name}}, {{namespace}}, {{instanceId}}, {{image}}, {{replicas}}, {{cpu}}, {{memory}}, {{storage}}, {{credentials.username}}, {{credentials.password}}, {{credentials.secretName}}. Needs a Deployment or StatefulSet named {{name}}.";

export function VersionDialog({ open, onClose, serviceId, serviceName, stateful }: { open: boolean; onClose: () => void; serviceId: string; serviceName: string; stateful: boolean }) {
  return (
    <Dialog open={open} onClose={onClose} wide title={`Add a version of ${serviceName}`} description="New instances get the default version; existing ones move by rollout.">
      {open && <VersionForm serviceId={serviceId} stateful={stateful} onDone={onClose} />}
    </Dialog>
  );
}

const FIELDS = ["version", "image", "manifestTemplate", "upgradeStrategy", "releaseNotes", "mandatory", "deadlineAt", "snapshotBeforeUpgrade", "replicaGateSeconds"];

function VersionForm({ serviceId, stateful, onDone }: { serviceId: string; stateful: boolean; onDone: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateCatalog();
  const [version, setVersion] = useState("");
  const [image, setImage] = useState("");
  const [manifestTemplate, setManifest] = useState("");
  const [upgradeStrategy, setStrategy] = useState<"rolling" | "recreate">("rolling");
  const [makeDefault, setMakeDefault] = useState(false);
  const [releaseNotes, setReleaseNotes] = useState("");
  const [mandatory, setMandatory] = useState(false);
  const [deadlineAt, setDeadlineAt] = useState("");
  const [snapshotBeforeUpgrade, setSnapshot] = useState(false);
  const [replicaGateSeconds, setReplicaGate] = useState("0");
  const create = useMutation(
    trpc.catalog.createVersion.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onDone();
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  // Checked and rendered with sample values as the admin types (debounced by react-query's key changes being cheap).
  const [previewOpen, setPreviewOpen] = useState(false);
  const preview = useQuery({ ...trpc.catalog.previewManifest.queryOptions({ manifestTemplate, image: image || undefined }), enabled: previewOpen && manifestTemplate.trim().length > 0 });
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({
          serviceId,
          version,
          image,
          manifestTemplate,
          upgradeStrategy,
          makeDefault,
          releaseNotes,
          mandatory,
          deadlineAt: mandatory && deadlineAt ? new Date(deadlineAt) : null,
          ...(stateful ? { snapshotBeforeUpgrade, replicaGateSeconds: Number(replicaGateSeconds) } : {}),
        });
      }}
    >
      <ErrorMessage error={formErrorMessage(create.error, FIELDS)} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Version" error={errors.version} hint="Semantic version, e.g. 1.2.0">
          <Input name="version" required value={version} onChange={(e) => setVersion(e.target.value)} />
        </Field>
        <Field label="Image" error={errors.image} hint="e.g. registry.example.com/app:1.2.0">
          <Input name="image" required value={image} onChange={(e) => setImage(e.target.value)} />
        </Field>
      </div>
      <Field label="Release notes" optional error={errors.releaseNotes} hint="What changes for customers. They read it in the upgrade notice and on each instance's page.">
        <Textarea name="releaseNotes" rows={5} maxLength={20_000} value={releaseNotes} onChange={(e) => setReleaseNotes(e.target.value)} />
      </Field>
      <Field label="Manifest template" error={errors.manifestTemplate} hint={placeholderHint}>
        <Textarea name="manifestTemplate" required rows={14} spellCheck={false} className="font-mono text-xs" value={manifestTemplate} onChange={(e) => setManifest(e.target.value)} />
      </Field>
      <div className="space-y-2">
        <Button variant="secondary" onClick={() => setPreviewOpen((v) => !v)} disabled={!manifestTemplate.trim()}>
          {previewOpen ? "Hide preview" : "Check and preview"}
        </Button>
        {previewOpen && preview.data?.ok === false && (
          <ul className="list-disc space-y-1 rounded-md border border-red-200 bg-red-50 p-3 pl-7 text-sm text-red-800">
            {preview.data.problems.map((p, i) => (
              <li key={i}>{p.line ? `Line ${p.line}: ${p.message}` : p.message}</li>
            ))}
          </ul>
        )}
        {previewOpen && preview.data?.ok && (
          <div>
            <p className="mb-1 text-xs text-zinc-500">Rendered for a sample instance named “sample”:</p>
            <pre className="max-h-72 overflow-auto rounded-md bg-zinc-950 p-3 text-xs text-zinc-100">{preview.data.yaml}</pre>
          </div>
        )}
        {previewOpen && preview.error && <ErrorMessage error={preview.error.message} />}
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className={mandatory ? "sm:pt-7" : undefined}>
          <Checkbox
            label="Mandatory security patch"
            hint="Customers may defer it only until the deadline; then rollouts apply it regardless of maintenance windows."
            checked={mandatory}
            onChange={(e) => setMandatory(e.target.checked)}
          />
        </div>
        {mandatory && (
          <Field label="Deadline" error={errors.deadlineAt} hint="In your browser's time zone.">
            <Input name="deadlineAt" type="datetime-local" required value={deadlineAt} onChange={(e) => setDeadlineAt(e.target.value)} />
          </Field>
        )}
      </div>
      {stateful && (
        <fieldset className="grid gap-4 rounded-md bg-zinc-50 p-3 ring-1 ring-zinc-200 ring-inset sm:grid-cols-2">
          <legend className="sr-only">Stateful upgrade</legend>
          <p className="text-sm text-zinc-600 sm:col-span-2">Stateful instances are upgraded one replica at a time.</p>
          <div className="sm:pt-7">
            <Checkbox
              label="Snapshot volumes before upgrading"
              hint="A VolumeSnapshot of every volume is taken before the first pod is replaced."
              checked={snapshotBeforeUpgrade}
              onChange={(e) => setSnapshot(e.target.checked)}
            />
          </div>
          <Field label="Replica health gate (seconds)" error={errors.replicaGateSeconds} hint="Each replaced pod must stay ready this long before the next one goes.">
            <Input name="replicaGateSeconds" type="number" min={0} max={3600} required value={replicaGateSeconds} onChange={(e) => setReplicaGate(e.target.value)} />
          </Field>
        </fieldset>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Upgrade strategy" error={errors.upgradeStrategy} hint="Rolling keeps serving; recreate stops the old version first.">
          <Select name="upgradeStrategy" value={upgradeStrategy} onChange={(e) => setStrategy(e.target.value as "rolling" | "recreate")}>
            <option value="rolling">Rolling</option>
            <option value="recreate">Recreate</option>
          </Select>
        </Field>
        <div className="sm:pt-7">
          <Checkbox label="Make this the default version" hint="The first version of a service is always the default." checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} />
        </div>
      </div>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending}>
          Add version
        </Button>
      </div>
    </form>
  );
}

export function ReleaseNotesDialog({ open, onClose, title, notes }: { open: boolean; onClose: () => void; title: string; notes: string }) {
  return (
    <Dialog open={open} onClose={onClose} wide title={title} footer={<Button onClick={onClose}>Close</Button>}>
      <p className="text-sm leading-relaxed whitespace-pre-line text-zinc-800">{notes || "No release notes."}</p>
    </Dialog>
  );
}

export function ManifestDialog({ open, onClose, title, manifest }: { open: boolean; onClose: () => void; title: string; manifest: string }) {
  return (
    <Dialog open={open} onClose={onClose} wide title={title} footer={<Button onClick={onClose}>Close</Button>}>
      <pre className="overflow-x-auto rounded-md bg-zinc-950 p-4 font-mono text-xs leading-relaxed text-zinc-100">{manifest}</pre>
    </Dialog>
  );
}
