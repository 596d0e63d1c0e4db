// "Why this cluster": the placement decision of an instance, with every candidate's verdict and score or reason.
import { Alert, Badge, Card, CardBody, CardHeader, cn } from "@/components/ui";
import { Ago } from "@/components/workflows/relative-time";
import { formatMemory } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc/types";

type Placement = NonNullable<RouterOutputs["instances"]["get"]["placement"]>;
type Candidate = Placement["candidates"][number];

const verdicts: Record<string, { label: string; tone: "green" | "neutral" | "red" }> = {
  chosen: { label: "Chosen", tone: "green" },
  eligible: { label: "Eligible", tone: "neutral" },
  rejected: { label: "Rejected", tone: "red" },
};

/** "0.5 vCPU, 1 GiB memory and 2 pods": what was missing. */
export function describeShortfall(s: { cpuMillis?: number; memoryMb?: number; pods?: number } | null | undefined): string | null {
  if (!s) return null;
  const parts = [
    s.cpuMillis ? `${Number((s.cpuMillis / 1000).toFixed(2))} vCPU` : null,
    s.memoryMb ? `${formatMemory(s.memoryMb)} memory` : null,
    s.pods ? `${s.pods} ${s.pods === 1 ? "pod" : "pods"}` : null,
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

function order(c: Candidate): number {
  return c.verdict === "chosen" ? 0 : c.verdict === "eligible" ? 1 : 2;
}

export function PlacementPanel({ placement, clusterName, observedState }: { placement: Placement | null; clusterName: string | null; observedState: string }) {
  const candidates = [...(placement?.candidates ?? [])].sort((a, b) => order(a) - order(b) || (b.score ?? -1) - (a.score ?? -1));
  const shortfall = describeShortfall(placement?.shortfall);
  return (
    <Card>
      <CardHeader
        title="Why this cluster"
        description={placement ? <>Decided <Ago value={placement.decidedAt} /></> : "How Fleetplane chose where this instance runs."}
      />
      <CardBody className="space-y-4">
        {!placement ? (
          <p className="text-sm text-zinc-600">{observedState === "pending" ? "Placement has not run yet." : "No placement decision is recorded for this instance."}</p>
        ) : placement.placed ? (
          <p className="text-sm text-zinc-700">
            Runs on <span className="font-semibold text-zinc-900">{clusterName ?? candidates.find((c) => c.verdict === "chosen")?.name ?? "a cluster"}</span>
            {placement.nodes.length > 0 && (
              <>
                , on {placement.nodes.length === 1 ? "node" : "nodes"}{" "}
                {placement.nodes.map((n, i) => (
                  <span key={`${n}-${i}`}>
                    {i > 0 && ", "}
                    <code className="font-mono text-xs">{n}</code>
                  </span>
                ))}
              </>
            )}
            . It scored best among the clusters with room for every replica.
          </p>
        ) : (
          <Alert tone="warning" title="No cluster has room for it right now">
            <p>{placement.reason ?? "No candidate cluster could take every replica."}</p>
            {shortfall && <p className="mt-1">Short by {shortfall}.</p>}
          </Alert>
        )}
        {candidates.length > 0 && (
          <ul className="divide-y divide-zinc-100 rounded-md ring-1 ring-zinc-200" aria-label="Candidate clusters">
            {candidates.map((c) => {
              const v = verdicts[c.verdict] ?? { label: c.verdict, tone: "neutral" as const };
              return (
                <li key={c.clusterId ?? c.name} className={cn("flex items-start justify-between gap-3 px-3 py-2 text-sm", c.verdict === "chosen" && "bg-green-50/50")}>
                  <div className="min-w-0">
                    <p className="font-medium text-zinc-900">{c.name}</p>
                    {c.reason && <p className="text-xs text-zinc-600">{c.reason}</p>}
                  </div>
                  <div className="flex shrink-0 flex-col items-end gap-1">
                    <Badge tone={v.tone}>{v.label}</Badge>
                    {c.score !== undefined && c.score !== null && <span className="text-xs text-zinc-500 tabular-nums">score {c.score.toFixed(2)}</span>}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </CardBody>
    </Card>
  );
}
