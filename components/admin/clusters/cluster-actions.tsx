// Cordon, uncordon, resync and remove one cluster; platform support sees the buttons disabled with the reason.
"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { AppIcon } from "@/components/icons";
import { Alert, Button, ConfirmDialog } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { errorMessage } from "@/lib/trpc/errors";
import { plural } from "./format";

export const readOnlyReason = "Only platform admins can change clusters";

export type Notice = { tone: "success" | "error" | "info"; text: string };

/** The list, every cluster page and the planning answers depend on the fleet: refetch them after a change. */
export function useInvalidateClusters() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  /** `removedId`: a cluster that no longer exists, whose page must not be fetched again. */
  return (removedId?: string) => {
    if (removedId) queryClient.removeQueries({ queryKey: trpc.clusters.get.queryKey({ clusterId: removedId }) });
    return Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.clusters.list.queryKey() }),
      queryClient.invalidateQueries({
        queryKey: trpc.clusters.get.queryKey(),
        predicate: (q) => (q.queryKey[1] as { input?: { clusterId?: string } } | undefined)?.input?.clusterId !== removedId,
      }),
      queryClient.invalidateQueries({ queryKey: trpc.placement.whatIf.queryKey() }),
    ]);
  };
}

type Target = { id: string; name: string; cordoned: boolean; instances: number };

export function ClusterActions({
  cluster,
  mayManage,
  onNotice,
  onRemoved,
  size = "sm",
}: {
  cluster: Target;
  mayManage: boolean;
  onNotice: (n: Notice) => void;
  onRemoved?: () => void;
  size?: "sm" | "md";
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateClusters();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const fail = (verb: string) => (err: unknown) => onNotice({ tone: "error", text: `Could not ${verb} ${cluster.name}: ${errorMessage(err)}` });

  const cordon = useMutation(
    trpc.clusters.cordon.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onNotice({ tone: "success", text: `${cluster.name} is cordoned: no new instances are placed there; those already there keep running.` });
      },
      onError: fail("cordon"),
    }),
  );
  const uncordon = useMutation(
    trpc.clusters.uncordon.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onNotice({ tone: "success", text: `${cluster.name} takes new instances again.` });
      },
      onError: fail("uncordon"),
    }),
  );
  const resync = useMutation(
    trpc.clusters.resync.mutationOptions({
      onSuccess: async (r) => {
        await invalidate();
        onNotice(
          r.status === "unreachable"
            ? { tone: "error", text: `${cluster.name} did not answer; it is marked unreachable (see its status for why).` }
            : { tone: "success", text: `Resynced ${cluster.name}: ${plural(r.nodes, "node")}, ${r.status}.` },
        );
      },
      onError: fail("resync"),
    }),
  );
  const remove = useMutation(trpc.clusters.remove.mutationOptions());

  const reason = mayManage ? null : readOnlyReason;
  const ghost = size === "sm" ? "ghost" : "secondary";
  return (
    <>
      {cluster.cordoned ? (
        <Button variant={ghost} size={size} disabledReason={reason} loading={uncordon.isPending} onClick={() => uncordon.mutate({ clusterId: cluster.id })}>
          Uncordon<span className="sr-only"> {cluster.name}</span>
        </Button>
      ) : (
        <Button variant={ghost} size={size} disabledReason={reason} loading={cordon.isPending} onClick={() => cordon.mutate({ clusterId: cluster.id })}>
          Cordon<span className="sr-only"> {cluster.name}</span>
        </Button>
      )}
      <Button variant={ghost} size={size} disabledReason={reason} loading={resync.isPending} onClick={() => resync.mutate({ clusterId: cluster.id })}>
        Resync<span className="sr-only"> {cluster.name}</span>
      </Button>
      <Button
        variant={size === "sm" ? "ghost-danger" : "secondary"}
        size={size}
        className={size === "md" ? "text-red-700" : undefined}
        disabledReason={reason ?? (cluster.instances > 0 ? `It hosts ${plural(cluster.instances, "instance")}; move or delete them first` : null)}
        onClick={() => setConfirmRemove(true)}
      >
        Remove<span className="sr-only"> {cluster.name}</span>
      </Button>
      <ConfirmDialog
        open={confirmRemove}
        onClose={() => setConfirmRemove(false)}
        title={`Remove ${cluster.name}?`}
        confirmLabel="Remove cluster"
        message={
          <>
            <p>Fleetplane forgets this cluster, its nodes and its kubeconfig. Nothing changes inside the cluster itself.</p>
            <p className="mt-2">You can register it again later with its kubeconfig.</p>
          </>
        }
        onConfirm={async () => {
          await remove.mutateAsync({ clusterId: cluster.id });
          onRemoved?.();
          await invalidate(cluster.id);
          onNotice({ tone: "success", text: `Removed ${cluster.name}.` });
        }}
      />
    </>
  );
}

/** The outcome of the last action, with a button to dismiss it. */
export function NoticeBar({ notice, onDismiss, className }: { notice: Notice | null; onDismiss: () => void; className?: string }) {
  if (!notice) return null;
  return (
    <Alert tone={notice.tone} className={className}>
      <div className="flex items-start justify-between gap-3">
        <span>{notice.text}</span>
        <button type="button" onClick={onDismiss} className="-m-1 rounded p-1 opacity-70 hover:opacity-100" aria-label="Dismiss">
          <AppIcon name="close" className="size-4" />
        </button>
      </div>
    </Alert>
  );
}
