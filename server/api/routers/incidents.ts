// Incidents: customers see their instances' incidents and timelines; platform staff see and steer all of them.
import { z } from "zod";
import { acknowledgeIncident, addIncidentNote, getIncident, incidentActionInput, incidentFilterInput, incidentNoteInput, listIncidents, stopRecovery, triggerRecovery } from "@/server/health/incident-admin";
import { orgProcedure, platformProcedure, router } from "../trpc";

export const incidentsRouter = router({
  list: orgProcedure("incidents:read")
    .input(incidentFilterInput.extend({ orgId: z.uuid() }))
    .query(({ ctx, input }) => listIncidents(ctx.db, input.orgId, input)),
  get: orgProcedure("incidents:read")
    .input(z.object({ orgId: z.uuid(), incidentId: z.uuid() }))
    .query(({ ctx, input }) => getIncident(ctx.db, input.orgId, input.incidentId)),
  listAll: platformProcedure("platform_incidents:read")
    .input(incidentFilterInput.extend({ orgId: z.uuid().optional() }))
    .query(({ ctx, input }) => listIncidents(ctx.db, input.orgId ?? null, input)),
  getAny: platformProcedure("platform_incidents:read")
    .input(z.object({ incidentId: z.uuid() }))
    .query(({ ctx, input }) => getIncident(ctx.db, null, input.incidentId)),
  acknowledge: platformProcedure("platform_incidents:manage").input(incidentActionInput).mutation(({ ctx, input }) => acknowledgeIncident(ctx.db, ctx, input.incidentId)),
  addNote: platformProcedure("platform_incidents:manage").input(incidentNoteInput).mutation(({ ctx, input }) => addIncidentNote(ctx.db, ctx, input.incidentId, input.note)),
  stopRecovery: platformProcedure("platform_incidents:manage")
    .input(incidentActionInput.extend({ resolve: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => stopRecovery(ctx.db, ctx, input.incidentId, input.resolve)),
  triggerRecovery: platformProcedure("platform_incidents:manage").input(incidentActionInput).mutation(({ ctx, input }) => triggerRecovery(ctx.db, ctx, input.incidentId)),
});
