// All tables, re-exported: drizzle-kit reads this file to generate migrations.
export * from "./identity";
export * from "./audit";
export * from "./catalog";
export * from "./clusters";
export * from "./workflows";
export * from "./instances";
export * from "./billing";
export * from "./health";
export * from "./notifications";
export * from "./rollouts";
