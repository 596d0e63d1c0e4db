// Create a service (address, name, description, kind) or edit one (name, description, archived).
"use client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Checkbox, Dialog, ErrorMessage, Field, Input, Select, Textarea } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import type { RouterOutputs } from "@/lib/trpc/types";
import { useInvalidateCatalog } from "./use-invalidate-catalog";

type Service = RouterOutputs["catalog"]["adminList"][number];

export function ServiceDialog({ open, onClose, service }: { open: boolean; onClose: () => void; service?: Service }) {
  return (
    <Dialog open={open} onClose={onClose} title={service ? `Edit ${service.name}` : "Add a service"} description={service ? undefined : "A service is something customers can run, like a web app or a database."}>
      {open && <ServiceForm service={service} onDone={onClose} />}
    </Dialog>
  );
}

function ServiceForm({ service, onDone }: { service?: Service; onDone: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateCatalog();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState(service?.name ?? "");
  const [description, setDescription] = useState(service?.description ?? "");
  const [kind, setKind] = useState<"stateless" | "stateful">(service?.kind ?? "stateless");
  const [archived, setArchived] = useState(service?.archived ?? false);
  const onSuccess = async () => {
    await invalidate();
    onDone();
  };
  const create = useMutation(trpc.catalog.createService.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.catalog.updateService.mutationOptions({ onSuccess }));
  const error = service ? update.error : create.error;
  const errors = fieldErrorsOf(error);
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (service) update.mutate({ serviceId: service.id, name, description, archived });
        else create.mutate({ slug, name, description, kind });
      }}
    >
      <ErrorMessage error={formErrorMessage(error, ["slug", "name", "description", "kind"])} />
      {!service && (
        <Field label="Address" error={errors.slug} hint="Lowercase letters, digits and dashes, e.g. managed-redis. Cannot be changed later.">
          <Input name="slug" required value={slug} onChange={(e) => setSlug(e.target.value.toLowerCase())} />
        </Field>
      )}
      <Field label="Name" error={errors.name}>
        <Input name="name" required value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Description" optional error={errors.description}>
        <Textarea name="description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      {service ? (
        <Checkbox label="Archived" hint="Archived services are hidden from customers; running instances are not affected." checked={archived} onChange={(e) => setArchived(e.target.checked)} />
      ) : (
        <Field label="Kind" error={errors.kind} hint="Stateless services can fail over between clusters; stateful ones keep their volumes.">
          <Select name="kind" value={kind} onChange={(e) => setKind(e.target.value as "stateless" | "stateful")}>
            <option value="stateless">Stateless</option>
            <option value="stateful">Stateful</option>
          </Select>
        </Field>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending || update.isPending}>
          {service ? "Save service" : "Add service"}
        </Button>
      </div>
    </form>
  );
}
