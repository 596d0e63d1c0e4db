// The Kubernetes events of an instance's namespace (scheduling, image pulls, crashes, scaling), newest first,
// for the instance page.
import type { CoreV1Event } from "@kubernetes/client-node";
import type { KubeClients } from "@/server/k8s/kube-client";
import { isKubeNotFound } from "@/server/k8s/kube-status";

export type NamespaceEvent = {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
  count: number;
  /** ISO time of the last occurrence (null when the event carries no time at all). */
  lastTimestamp: string | null;
};

function lastSeen(e: CoreV1Event): Date | undefined {
  // Newer clients fill only eventTime (and series); older ones firstTimestamp/lastTimestamp.
  const t = e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  if (t === undefined || t === null) return undefined;
  const d = t instanceof Date ? t : new Date(String(t));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The namespace's most recent events, newest first, at most `limit`; none when the namespace is gone. */
export async function listNamespaceEvents(clients: Pick<KubeClients, "core">, namespace: string, limit = 50): Promise<NamespaceEvent[]> {
  let items: CoreV1Event[];
  try {
    // Listing is ordered by name, not time, so the whole list is read and sorted here (events expire after an hour).
    items = (await clients.core.listNamespacedEvent({ namespace })).items;
  } catch (err) {
    if (isKubeNotFound(err)) return [];
    throw err;
  }
  return items
    .map((e) => ({ e, at: lastSeen(e) }))
    .sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0))
    .slice(0, Math.max(0, limit))
    .map(({ e, at }) => ({
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      message: e.message ?? "",
      involvedObject: { kind: e.involvedObject?.kind ?? "", name: e.involvedObject?.name ?? "" },
      count: e.count ?? e.series?.count ?? 1,
      lastTimestamp: at ? at.toISOString() : null,
    }));
}
