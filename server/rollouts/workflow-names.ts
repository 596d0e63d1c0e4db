// Names of the release workflows (a module of its own so domain code can start runs without loading their steps).
export const ROLLOUT_WORKFLOWS = { upgrade: "instance-upgrade", rollout: "fleet-rollout", rollback: "fleet-rollback" } as const;
