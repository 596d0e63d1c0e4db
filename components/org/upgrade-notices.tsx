// Upgrade notices: one banner per release coming to the organization's instances (what, when, within which
// maintenance windows, the release notes folded away), each dismissible; security patches stand out.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { ErrorMessage, cn } from "@/components/ui";
import { Ago } from "@/components/workflows/relative-time";
import { can } from "@/lib/roles";
import { useTRPC } from "@/lib/trpc/client";
import type { RouterOutputs } from "@/lib/trpc/types";
import { useOrg } from "./org-context";

type Notice = RouterOutputs["upgrades"]["notices"][number];

const NOTES = "\n\nRelease notes:\n";

export function UpgradeNotices({ className }: { className?: string }) {
  const org = useOrg();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notices = useQuery({ ...trpc.upgrades.notices.queryOptions({ orgId: org.id }), refetchInterval: 60_000, retry: false, throwOnError: false });
  const dismiss = useMutation(trpc.upgrades.dismissNotice.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.upgrades.notices.queryKey({ orgId: org.id }) }) }));
  const items = notices.data ?? [];
  if (items.length === 0) return null;
  return (
    <section aria-label="Upgrade notices" className={cn("space-y-3", className)}>
      <ErrorMessage error={dismiss.error} />
      {items.map((n) => (
        <NoticeBanner key={n.id} notice={n} dismissing={dismiss.isPending && dismiss.variables?.noticeId === n.id} onDismiss={() => dismiss.mutate({ orgId: org.id, noticeId: n.id })} />
      ))}
    </section>
  );
}

function NoticeBanner({ notice: n, dismissing, onDismiss }: { notice: Notice; dismissing: boolean; onDismiss: () => void }) {
  const org = useOrg();
  const security = n.title.startsWith("Security update");
  const cut = n.body.indexOf(NOTES);
  const text = cut >= 0 ? n.body.slice(0, cut) : n.body;
  const notes = cut >= 0 ? n.body.slice(cut + NOTES.length) : "";
  return (
    <div role="status" className={cn("rounded-lg px-4 py-3 text-sm ring-1 ring-inset", security ? "bg-red-50 text-red-900 ring-red-200" : "bg-brand-50 text-brand-900 ring-brand-200")}>
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-semibold">
            {n.title} <span className="ml-1 text-xs font-normal opacity-70">
              <Ago value={n.createdAt} />
            </span>
          </p>
          <p className="mt-1 whitespace-pre-line">{text}</p>
          {notes && (
            <details className="mt-2">
              <summary className="cursor-pointer font-medium select-none">Release notes</summary>
              <p className="mt-1 whitespace-pre-line opacity-90">{notes}</p>
            </details>
          )}
          {can(org.role, "maintenance:manage") && (
            <p className="mt-2">
              <Link href={`/o/${org.slug}/settings#maintenance-windows`} className="font-medium underline">
                Maintenance windows
              </Link>
            </p>
          )}
        </div>
        <button
          type="button"
          onClick={onDismiss}
          disabled={dismissing}
          className="shrink-0 rounded-md px-2 py-1 text-sm font-medium opacity-80 hover:bg-white/60 hover:opacity-100 disabled:opacity-40"
          aria-label={`Dismiss: ${n.title}`}
        >
          Dismiss
        </button>
      </div>
    </div>
  );
}
