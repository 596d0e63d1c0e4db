// `npm run grant-platform-role -- user@example.com platform_admin|platform_support|none`: sets a user's provider staff role.
import { eq, sql } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { users } from "@/db/schema";
import { effectivePlatformRole } from "@/server/auth/users";
import { assertEnvOrExit } from "@/server/env";

const roles = ["platform_admin", "platform_support", "none"] as const;
type RoleArg = (typeof roles)[number];

const [email, role] = process.argv.slice(2);
if (!email || !role || !roles.includes(role as RoleArg)) {
  console.error("usage: npm run grant-platform-role -- <email> platform_admin|platform_support|none");
  process.exit(2);
}
assertEnvOrExit();

try {
  const platformRole = role === "none" ? null : (role as Exclude<RoleArg, "none">);
  const updated = await getDb()
    .update(users)
    .set({ platformRole })
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .returning({ email: users.email });
  if (updated.length === 0) {
    console.error(`No user with email ${email}. The user must sign up first.`);
    process.exitCode = 1;
  } else {
    const who = updated[0]?.email ?? email;
    console.log(role === "none" ? `${who} has no stored platform role now` : `${who} is now ${role}`);
    const effective = effectivePlatformRole(who, platformRole);
    if (effective !== platformRole) {
      console.log(`note: PLATFORM_ADMIN_EMAILS / PLATFORM_SUPPORT_EMAILS still make ${who} ${effective}`);
    }
  }
} finally {
  await closeDb();
}
