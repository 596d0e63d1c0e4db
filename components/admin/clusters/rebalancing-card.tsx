// The latest defragmentation proposal: which stateless instances would move, what each frees, and which nodes stay and why.
"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Badge, Button, Card, CardBody, CardHeader, EmptyState, ErrorMessage, LoadingBlock, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { readOnlyReason } from "./cluster-actions";
import { plural, shortId } from "./format";

const workflowNote =
  "Move starts the instance-move workflow for that instance: it is provisioned on the destination, then its old namespace is removed. Follow it under Workflows.";

export function RebalancingCard({ clusterNames, mayCompute }: { clusterNames: Map<string, string>; mayCompute: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const proposal = useQuery({ ...trpc.placement.rebalancing.queryOptions(), refetchInterval: 60_000 });
  const compute = useMutation(
    trpc.placement.computeRebalancing.mutationOptions({
      onSuccess: (row) => queryClient.setQueryData(trpc.placement.rebalancing.queryKey(), row),
    }),
  );
  const apply = useMutation(trpc.fleet.applyRebalancingMove.mutationOptions());
  const [applied, setApplied] = useState<Record<string, string>>({});
  const name = (id: string) => clusterNames.get(id) ?? shortId(id);
  const p = proposal.data;

  return (
    <Card>
      <CardHeader
        title="Rebalancing"
        description={
          p ? (
            <>
              Latest proposal computed <Time value={p.computedAt} mode="relative" /> (<Time value={p.computedAt} />). A periodic job computes a new one.
            </>
          ) : (
            "Moves of stateless instances that would empty the least-used nodes, so they can be removed or given back."
          )
        }
        actions={
          <Button variant="secondary" onClick={() => compute.mutate()} loading={compute.isPending} disabledReason={mayCompute ? null : readOnlyReason}>
            Compute now
          </Button>
        }
      />
      <CardBody className="space-y-5">
        <ErrorMessage error={compute.error} />
        <ErrorMessage error={apply.error} />
        {proposal.isPending ? (
          <LoadingBlock label="Loading the latest proposal" />
        ) : proposal.error ? (
          <ErrorMessage error={proposal.error} />
        ) : !p ? (
          <EmptyState
            className="py-6"
            title="No proposal yet"
            description={`A periodic job computes one from the current placements${mayCompute ? "; you can also compute one now" : ""}.`}
          />
        ) : (
          <>
            <Alert tone={p.moves.length ? "info" : "success"}>
              <p className="font-medium">
                {p.moves.length === 0 && p.freedNodes.length === 0
                  ? "Nothing to gain: no lightly used node can be emptied."
                  : `${plural(p.moves.length, "move")} would free ${plural(p.freedNodes.length, "node")}${
                      p.emptiedClusters.length ? ` and empty ${p.emptiedClusters.map(name).join(", ")}` : ""
                    }.`}
              </p>
            </Alert>
            {p.moves.length > 0 && (
              <section aria-label="Proposed moves">
                <h3 className="mb-2 text-sm font-semibold text-zinc-900">Moves</h3>
                <div className="rounded-md ring-1 ring-zinc-200">
                  <Table label="Proposed moves">
                    <THead>
                      <TR>
                        <TH>Instance</TH>
                        <TH>From</TH>
                        <TH>To</TH>
                        <TH>Frees</TH>
                        <TH>
                          <span className="sr-only">Apply</span>
                        </TH>
                      </TR>
                    </THead>
                    <TBody>
                      {p.moves.map((m) => (
                        <TR key={m.instanceId}>
                          <TD className="font-mono text-xs" title={m.instanceId}>
                            {shortId(m.instanceId)}
                          </TD>
                          <TD>{name(m.fromClusterId)}</TD>
                          <TD>
                            {name(m.toClusterId)}
                            <div className="text-xs break-all text-zinc-500">{m.toNodes.join(", ")}</div>
                          </TD>
                          <TD>
                            <span className="font-mono text-xs break-all">{m.frees.node}</span>
                            <div className="text-xs text-zinc-500">on {name(m.frees.cluster)}</div>
                          </TD>
                          <TD className="text-right">
                            {applied[m.instanceId] ? (
                              <span className="text-xs text-zinc-600">{applied[m.instanceId]}</span>
                            ) : (
                              <Button
                                variant="secondary"
                                disabledReason={mayCompute ? null : readOnlyReason}
                                loading={apply.isPending && apply.variables?.instanceId === m.instanceId}
                                onClick={() =>
                                  apply.mutate(
                                    { instanceId: m.instanceId, toClusterId: m.toClusterId },
                                    { onSuccess: (r) => setApplied((a) => ({ ...a, [m.instanceId]: r.status === "queued" ? "Move queued" : "Moving" })) },
                                  )
                                }
                              >
                                Move
                              </Button>
                            )}
                          </TD>
                        </TR>
                      ))}
                    </TBody>
                  </Table>
                </div>
              </section>
            )}
            {p.freedNodes.length > 0 && (
              <section aria-label="Nodes that would be freed">
                <h3 className="mb-2 text-sm font-semibold text-zinc-900">Nodes freed</h3>
                <ul className="flex flex-wrap gap-1.5">
                  {p.freedNodes.map((n) => (
                    <li key={`${n.cluster}/${n.node}`}>
                      <Badge tone="green">
                        {name(n.cluster)} / {n.node}
                      </Badge>
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {p.skipped.length > 0 && (
              <section aria-label="Nodes kept">
                <h3 className="mb-2 text-sm font-semibold text-zinc-900">Nodes kept, and why</h3>
                <div className="rounded-md ring-1 ring-zinc-200">
                  <Table label="Nodes kept">
                    <THead>
                      <TR>
                        <TH>Cluster</TH>
                        <TH>Node</TH>
                        <TH>Why it stays</TH>
                      </TR>
                    </THead>
                    <TBody>
                      {p.skipped.map((s) => (
                        <TR key={`${s.cluster}/${s.node}`}>
                          <TD className="whitespace-nowrap">{name(s.cluster)}</TD>
                          <TD className="font-mono text-xs whitespace-nowrap">{s.node}</TD>
                          <TD className="text-sm break-words">{s.reason}</TD>
                        </TR>
                      ))}
                    </TBody>
                  </Table>
                </div>
              </section>
            )}
          </>
        )}
        <p className="text-sm text-zinc-600">{workflowNote}</p>
      </CardBody>
    </Card>
  );
}
