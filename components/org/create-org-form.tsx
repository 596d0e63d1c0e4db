// The form that creates an organization (name, optional address) and opens it.
"use client";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button, ErrorMessage, Field, Input } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";

export function CreateOrgForm({ onCancel, submitLabel = "Create organization" }: { onCancel?: () => void; submitLabel?: string }) {
  const trpc = useTRPC();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const create = useMutation(
    trpc.orgs.create.mutationOptions({
      // A full load so every server-rendered part (switcher, menus) sees the new organization.
      onSuccess: (org) => window.location.assign(`/o/${org.slug}`),
    }),
  );
  const errors = fieldErrorsOf(create.error);
  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name, ...(slug.trim() ? { slug: slug.trim() } : {}) });
      }}
    >
      <ErrorMessage error={formErrorMessage(create.error, ["name", "slug"])} />
      <Field label="Organization name" error={errors.name} hint="Your company or team, e.g. Acme Inc.">
        <Input name="name" value={name} onChange={(e) => setName(e.target.value)} required minLength={2} maxLength={80} autoComplete="organization" />
      </Field>
      <Field label="Address" optional error={errors.slug} hint="Used in links: /o/your-address. Lowercase letters, digits and dashes; derived from the name when empty.">
        <Input name="slug" value={slug} onChange={(e) => setSlug(e.target.value.toLowerCase())} maxLength={40} pattern="[a-z0-9]+(-[a-z0-9]+)*" />
      </Field>
      <div className="flex justify-end gap-2">
        {onCancel && (
          <Button variant="secondary" onClick={onCancel} disabled={create.isPending}>
            Cancel
          </Button>
        )}
        <Button type="submit" loading={create.isPending || create.isSuccess}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
