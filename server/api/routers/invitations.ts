// Invitations: created by admins, previewed by anyone holding the link, accepted by the invitee.
import { z } from "zod";
import { acceptInvitation, createInvitation, createInvitationInput, listPendingInvitations, previewInvitation, revokeInvitation } from "@/server/orgs/invitations";
import { orgProcedure, publicProcedure, router, userProcedure } from "../trpc";

const token = z.object({ token: z.string().min(10, "is not a valid invitation token").max(200) });

export const invitationsRouter = router({
  list: orgProcedure("invitations:list").input(z.object({ orgId: z.uuid() })).query(({ ctx, input }) => listPendingInvitations(ctx.db, input.orgId)),
  create: orgProcedure("invitations:create").input(createInvitationInput).mutation(({ ctx, input }) => createInvitation(ctx.db, ctx, ctx.org.role, input)),
  revoke: orgProcedure("invitations:revoke")
    .input(z.object({ orgId: z.uuid(), invitationId: z.uuid() }))
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, ctx, input.orgId, input.invitationId)),
  preview: publicProcedure("invitations:preview").input(token).query(({ ctx, input }) => previewInvitation(ctx.db, input.token)),
  accept: userProcedure("invitations:accept").input(token).mutation(({ ctx, input }) => acceptInvitation(ctx.db, ctx, input.token)),
});
