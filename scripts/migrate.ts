// `npm run db:migrate`: applies the committed SQL migrations to DATABASE_URL (npm start does this itself).
import { runMigrations } from "@/db/migrate";
import { assertEnvOrExit } from "@/server/env";

const env = assertEnvOrExit();
if (!env.DATABASE_URL) {
  console.error("DATABASE_URL is not set. Set it, or use `npm start`, which migrates its embedded PostgreSQL itself.");
  process.exit(1);
}
try {
  await runMigrations(env.DATABASE_URL);
  console.log("migrations applied");
} catch (err) {
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
