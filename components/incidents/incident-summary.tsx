// The facts of one incident (status, cause, instance, detection, time to recover, attempts, acknowledgement, outcome)
// as a card of labelled values; the same in the portal and the console.
"use client";
import Link from "next/link";
import type { ReactNode } from "react";
import { Card } from "@/components/ui";
import { Ago } from "@/components/workflows/relative-time";
import { causeLabel, IncidentStatusBadge, outcomeLabel, TimeToRecover } from "./incident-look";

export type IncidentFacts = {
  status: string;
  kind: string;
  detectedAt: Date | string;
  resolvedAt: Date | string | null;
  ttrMs: number | null;
  attempts: number;
  autoRecovery: boolean;
  acknowledgedAt: Date | string | null;
  acknowledgedBy: string | null;
  outcome: string | null;
  instanceId: string | null;
};

export function IncidentSummary({ incident: i, instanceName, instanceHref, orgName }: { incident: IncidentFacts; instanceName?: string | null; instanceHref?: string | null; orgName?: ReactNode }) {
  const name = instanceName ?? (i.instanceId ? i.instanceId.slice(0, 8) : null);
  return (
    <Card>
      <dl className="grid divide-y divide-zinc-100 sm:grid-cols-2 sm:divide-y-0 lg:grid-cols-4">
        <Item label="Status">
          <IncidentStatusBadge status={i.status} />
          {i.outcome && <span className="mt-1 block text-xs text-zinc-500">{outcomeLabel(i.outcome)}</span>}
        </Item>
        <Item label="Cause">
          <span className="font-medium text-zinc-900">{causeLabel(i.kind)}</span>
        </Item>
        <Item label="Instance">
          {name ? (
            instanceHref ? (
              <Link href={instanceHref} className="font-mono font-medium text-brand-700 hover:text-brand-900 hover:underline">
                {name}
              </Link>
            ) : (
              <span className="font-mono font-medium text-zinc-900">{name}</span>
            )
          ) : (
            <span className="text-zinc-500">Deleted</span>
          )}
          {orgName && <span className="block text-xs text-zinc-500">{orgName}</span>}
        </Item>
        <Item label="Detected">
          <Ago value={i.detectedAt} className="font-medium text-zinc-900" />
        </Item>
        <Item label="Time to recover">
          <TimeToRecover status={i.status} ttrMs={i.ttrMs} detectedAt={i.detectedAt} className="font-medium" />
          {i.resolvedAt && (
            <span className="block text-xs text-zinc-500">
              Resolved <Ago value={i.resolvedAt} />
            </span>
          )}
        </Item>
        <Item label="Recovery attempts">
          <span className="font-medium text-zinc-900 tabular-nums">{i.attempts}</span>
        </Item>
        <Item label="Automatic recovery">
          {i.autoRecovery ? <span className="font-medium text-zinc-900">On</span> : <span className="font-medium text-amber-800">Stopped: a person has taken over</span>}
        </Item>
        <Item label="Acknowledged">
          {i.acknowledgedAt ? (
            <>
              <span className="font-medium text-zinc-900">{i.acknowledgedBy ?? "Yes"}</span>
              <span className="block text-xs text-zinc-500">
                <Ago value={i.acknowledgedAt} />
              </span>
            </>
          ) : (
            <span className="text-zinc-500">Not yet</span>
          )}
        </Item>
      </dl>
    </Card>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0 px-4 py-3 sm:px-5">
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-1 text-sm break-words">{children}</dd>
    </div>
  );
}
