// Sign-up and the signed-in user's own account.
import { signUpInput, createUserWithPassword } from "@/server/auth/users";
import { listMyOrganizations } from "@/server/orgs/organizations";
import { publicProcedure, router, userProcedure } from "../trpc";

export const authRouter = router({
  signUp: publicProcedure("auth:sign_up")
    .input(signUpInput)
    .mutation(({ ctx, input }) => createUserWithPassword(ctx.db, input, ctx.request)),
  me: userProcedure("account:read").query(async ({ ctx }) => ({
    user: { id: ctx.actor.userId, email: ctx.actor.email, name: ctx.actor.name, platformRole: ctx.actor.platformRole },
    organizations: await listMyOrganizations(ctx.db, ctx.actor.userId),
  })),
});
