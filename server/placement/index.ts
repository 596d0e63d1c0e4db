// The placement engine's public surface: pure functions that choose clusters and nodes, explain, simulate and defragment.
export type * from "./types";
export { placeInstance, placeFirstFit } from "./place-instance";
export { applyPlacement, releasePlacement, type PlacedReplicas } from "./apply-placement";
export { whatIf, VIRTUAL_CLUSTER_ID, type WhatIfInput, type WhatIfResult, type WhatIfAddition } from "./what-if";
export {
  proposeRebalancing,
  type InstancePlacement,
  type RebalancingMove,
  type RebalancingOptions,
  type RebalancingProposal,
} from "./rebalancing";
export { lowerBoundNodes, freeResources, sumResources } from "./resources";
