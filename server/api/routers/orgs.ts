// Organizations and their members.
import { z } from "zod";
import { createOrganization, createOrganizationInput, getOrganization, listAllOrganizations, renameOrganization, renameOrganizationInput } from "@/server/orgs/organizations";
import { leaveOrganization, listMembers, removeMember, removeMemberInput, updateMemberRole, updateMemberRoleInput } from "@/server/orgs/members";
import { DomainError } from "@/server/errors/domain-error";
import { orgProcedure, platformProcedure, router, userProcedure } from "../trpc";

// Strict: unknown keys are refused, so a typo in a client is an error instead of a silent no-op.
const orgOnly = z.strictObject({ orgId: z.uuid() });

export const orgsRouter = router({
  create: userProcedure("orgs:create").input(createOrganizationInput).mutation(({ ctx, input }) => createOrganization(ctx.db, ctx, input)),
  get: orgProcedure("org:read")
    .input(orgOnly)
    .query(async ({ ctx, input }) => ({ ...(await getOrganization(ctx.db, input.orgId)), role: ctx.org.role })),
  rename: orgProcedure("org:update").input(renameOrganizationInput).mutation(({ ctx, input }) => renameOrganization(ctx.db, ctx, input)),
  listAll: platformProcedure("platform_orgs:read").query(({ ctx }) => listAllOrganizations(ctx.db)),
});

export const membersRouter = router({
  list: orgProcedure("members:list").input(orgOnly).query(({ ctx, input }) => listMembers(ctx.db, input.orgId)),
  updateRole: orgProcedure("members:update_role")
    .input(updateMemberRoleInput)
    .mutation(({ ctx, input }) => updateMemberRole(ctx.db, ctx, ctx.org.role, input)),
  remove: orgProcedure("members:remove").input(removeMemberInput).mutation(({ ctx, input }) => removeMember(ctx.db, ctx, ctx.org.role, input)),
  leave: orgProcedure("members:leave")
    .input(orgOnly)
    .mutation(async ({ ctx, input }) => {
      if (ctx.actor.kind !== "user") throw new DomainError("FORBIDDEN", "API keys are not members, so they cannot leave; revoke the key instead");
      await leaveOrganization(ctx.db, ctx, input.orgId, ctx.actor.userId);
    }),
});
