// next-auth wiring: email + password (with lockout) and optional OIDC single sign-on; JWT sessions carry our user id.
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { getEnv } from "@/server/env";
import { clientIp } from "./client-ip";
import { signInWithPassword, upsertOidcUser } from "./users";

class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}
class TooManyAttempts extends CredentialsSignin {
  code = "too_many_attempts";
}

const credentialsInput = z.object({ email: z.email().max(254), password: z.string().min(1).max(200) });

function buildConfig(): NextAuthConfig {
  const env = getEnv();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      id: "credentials",
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(raw, request) {
        const parsed = credentialsInput.safeParse(raw);
        if (!parsed.success) throw new InvalidCredentials();
        const result = await signInWithPassword(getDb(), parsed.data.email, parsed.data.password, clientIp(request.headers));
        if (!result.ok) throw result.reason === "locked" ? new TooManyAttempts() : new InvalidCredentials();
        return { id: result.userId, email: parsed.data.email };
      },
    }),
  ];
  if (env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET) {
    providers.push({
      id: "oidc",
      name: env.OIDC_NAME,
      type: "oidc",
      issuer: env.OIDC_ISSUER,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
    });
  }
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    // A wrong password is an expected outcome, counted by the lockout: not worth an error line each time.
    logger: {
      error(error) {
        if (error instanceof CredentialsSignin || (error as { type?: string }).type === "CredentialsSignin") return;
        console.error("[auth]", error);
      },
    },
    providers,
    callbacks: {
      async jwt({ token, user, account, profile }) {
        if (account?.provider === "oidc" && profile?.sub && profile.email) {
          token.sub = await upsertOidcUser(getDb(), { subject: String(profile.sub), email: String(profile.email), name: String(profile.name ?? "") });
        } else if (user?.id) {
          token.sub = user.id;
        }
        return token;
      },
      session({ session, token }) {
        if (token.sub && session.user) session.user.id = token.sub;
        return session;
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig());

/** The signed-in user's id from the session cookie, or null. */
export async function getSessionUserId(): Promise<string | null> {
  const session = await auth();
  return session?.user?.id ?? null;
}

/** Which sign-in methods the sign-in page should offer. */
export function signInMethods(): { oidc: { name: string } | null } {
  const env = getEnv();
  return { oidc: env.OIDC_ISSUER ? { name: env.OIDC_NAME } : null };
}
