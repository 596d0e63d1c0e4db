// Capacity of a cluster or a node as three utilisation bars (cpu, memory, pods), and the badges of a cluster's state.
import { Badge, UtilisationBar, UtilisationLegend } from "@/components/ui";
import type { RouterOutputs } from "@/lib/trpc/types";
import { cpuPair, formatMib, formatPods, formatVcpu, memoryPair, podsPair } from "./format";

export type ClusterRow = RouterOutputs["clusters"]["list"][number];
export type ClusterStatus = ClusterRow["status"];

type Dimension = { allocatable: number; foreign: number; reserved: number };
export type Capacity = { cpu: Dimension; memory: Dimension; pods: Dimension };

const OTHER = "used by other workloads";
const RESERVED = "reserved by Fleetplane";

export function clusterCapacity(c: ClusterRow): Capacity {
  return {
    cpu: { allocatable: c.cpuAllocatable, foreign: c.cpuForeign, reserved: c.cpuReserved },
    memory: { allocatable: c.memoryAllocatable, foreign: c.memoryForeign, reserved: c.memoryReserved },
    pods: { allocatable: c.podsAllocatable, foreign: c.podsForeign, reserved: c.podsReserved },
  };
}

function segments(d: Dimension) {
  return [
    { label: OTHER, value: d.foreign, tone: "neutral" as const },
    { label: RESERVED, value: d.reserved, tone: "brand" as const },
  ];
}

/** Three bars: other workloads (grey) and Fleetplane's reservations (brand colour) over what the nodes can allocate. */
export function CapacityBars({ capacity, className }: { capacity: Capacity; className?: string }) {
  const { cpu, memory, pods } = capacity;
  return (
    <div className={className ?? "w-72 max-w-full space-y-1.5"}>
      <UtilisationBar label="CPU" total={cpu.allocatable} segments={segments(cpu)} format={formatVcpu} summary={cpu.allocatable > 0 ? cpuPair(cpu.foreign + cpu.reserved, cpu.allocatable) : undefined} />
      <UtilisationBar
        label="Memory"
        total={memory.allocatable}
        segments={segments(memory)}
        format={formatMib}
        summary={memory.allocatable > 0 ? memoryPair(memory.foreign + memory.reserved, memory.allocatable) : undefined}
      />
      <UtilisationBar label="Pods" total={pods.allocatable} segments={segments(pods)} format={formatPods} summary={pods.allocatable > 0 ? podsPair(pods.foreign + pods.reserved, pods.allocatable) : undefined} />
    </div>
  );
}

export function CapacityLegend({ className }: { className?: string }) {
  return (
    <UtilisationLegend
      className={className}
      items={[
        { label: "Other workloads", tone: "neutral" },
        { label: "Reserved by Fleetplane", tone: "brand" },
        { label: "Free", tone: "free" },
      ]}
    />
  );
}

const statusLabels: Record<ClusterStatus, string> = { pending: "Pending", healthy: "Healthy", degraded: "Degraded", unreachable: "Unreachable" };
const statusTones = { pending: "neutral", healthy: "green", degraded: "amber", unreachable: "red" } as const;

/** The cluster's health; the reason (when there is one) is the tooltip and, with `showReason`, a line below. */
export function ClusterStatusBadge({ status, reason, showReason }: { status: ClusterStatus; reason: string | null; showReason?: boolean }) {
  return (
    <span className="inline-flex flex-col items-start gap-0.5">
      <span title={reason ?? undefined}>
        <Badge tone={statusTones[status]}>{statusLabels[status]}</Badge>
      </span>
      {showReason && reason && <span className="max-w-40 text-xs text-zinc-500">{reason}</span>}
    </span>
  );
}

export function CordonedBadge() {
  return (
    <span title="Cordoned: no new instances are placed here; those already here keep running">
      <Badge tone="amber">Cordoned</Badge>
    </span>
  );
}
