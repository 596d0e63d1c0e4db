// The app router: every API procedure, by domain.
import { apiKeysRouter } from "./routers/api-keys";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { billingRouter, usageRouter } from "./routers/billing";
import { incidentsRouter } from "./routers/incidents";
import { catalogRouter } from "./routers/catalog";
import { clustersRouter, placementRouter } from "./routers/clusters";
import { fleetRouter, instancesRouter, runsRouter } from "./routers/instances";
import { invitationsRouter } from "./routers/invitations";
import { membersRouter, orgsRouter } from "./routers/orgs";
import { rolloutsRouter, upgradesRouter } from "./routers/rollouts";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  catalog: catalogRouter,
  clusters: clustersRouter,
  placement: placementRouter,
  instances: instancesRouter,
  runs: runsRouter,
  fleet: fleetRouter,
  usage: usageRouter,
  billing: billingRouter,
  incidents: incidentsRouter,
  webhooks: webhooksRouter,
  rollouts: rolloutsRouter,
  upgrades: upgradesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
