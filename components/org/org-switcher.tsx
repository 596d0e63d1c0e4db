// Switches between the person's organizations and creates new ones.
"use client";
import Link from "next/link";
import { useCallback, useRef, useState } from "react";
import { AppIcon } from "@/components/icons";
import { Dialog, cn } from "@/components/ui";
import { useDismiss } from "@/components/shell/use-dismiss";
import { roleLabels, type OrgRole } from "@/lib/roles";
import { CreateOrgForm } from "./create-org-form";

export type SwitcherOrg = { id: string; name: string; slug: string; role: OrgRole };

export function OrgSwitcher({ current, organizations }: { current: SwitcherOrg | null; organizations: SwitcherOrg[] }) {
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const close = useCallback(() => setOpen(false), []);
  useDismiss(ref, open, close);

  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="listbox"
        aria-label={current ? `Organization: ${current.name}. Switch organization` : "Choose an organization"}
        className="flex w-full items-center gap-3 rounded-md px-2 py-2 text-left ring-1 ring-zinc-200 hover:bg-zinc-50"
      >
        <span className="flex size-8 shrink-0 items-center justify-center rounded-md bg-zinc-900 text-sm font-semibold text-white">
          {(current?.name ?? "?").charAt(0).toUpperCase()}
        </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm font-medium text-zinc-900">{current?.name ?? "Choose organization"}</span>
          {current && <span className="block text-xs text-zinc-500">{roleLabels[current.role]}</span>}
        </span>
        <AppIcon name="chevron" className="size-4 text-zinc-400" />
      </button>
      {open && (
        <div className="absolute inset-x-0 z-50 mt-1 rounded-md bg-white py-1 shadow-lg ring-1 ring-zinc-200">
          <p className="px-3 pt-1 pb-1.5 text-xs font-medium tracking-wide text-zinc-500 uppercase">Organizations</p>
          <ul role="listbox" aria-label="Organizations" className="max-h-64 overflow-y-auto">
            {organizations.map((org) => (
              <li key={org.id} role="option" aria-selected={org.id === current?.id}>
                <Link
                  href={`/o/${org.slug}`}
                  onClick={close}
                  className={cn("flex items-center justify-between gap-2 px-3 py-2 text-sm hover:bg-zinc-50", org.id === current?.id && "font-semibold text-brand-700")}
                >
                  <span className="truncate">{org.name}</span>
                  <span className="text-xs text-zinc-500">{roleLabels[org.role]}</span>
                </Link>
              </li>
            ))}
          </ul>
          <div className="mt-1 border-t border-zinc-100 pt-1">
            <button
              type="button"
              onClick={() => {
                setOpen(false);
                setCreating(true);
              }}
              className="flex w-full items-center gap-2 px-3 py-2 text-sm text-zinc-700 hover:bg-zinc-50"
            >
              <AppIcon name="plus" className="size-4" />
              Create organization
            </button>
          </div>
        </div>
      )}
      <Dialog open={creating} onClose={() => setCreating(false)} title="Create an organization" description="You become its owner. Invite your team afterwards.">
        <CreateOrgForm onCancel={() => setCreating(false)} />
      </Dialog>
    </div>
  );
}
