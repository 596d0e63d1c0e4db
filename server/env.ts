// The one place that reads process.env: validated with zod once, so a bad variable stops a process at start.
import { z } from "zod";
import { parseKeyring } from "@/server/crypto/secret-box";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const emailList = z
  .string()
  .transform((s) => s.split(",").map((e) => e.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.email()));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** PostgreSQL URL; unset means `npm start` runs embedded PostgreSQL under .data/. */
    DATABASE_URL: z.url().optional(),
    /** Redis URL; unset means redis://127.0.0.1:6379 (started by `npm start` when installed). */
    REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
    /** Prefix of every Redis key and BullMQ queue, so several deployments or test files share one Redis. */
    REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/, "letters, digits, _ and - only").default("fp"),
    /** Public URL of the portal, used in links sent by email. */
    APP_URL: z.url().default("http://localhost:3000"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Secret that signs sessions and encrypts secrets at rest; at least 32 characters. */
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
    /**
     * Keys that encrypt secrets at rest (kubeconfigs): `id:<base64 of 32 bytes>,…`, first one current; older ones
     * only decrypt, which is how keys rotate. Unset derives one key from AUTH_SECRET (fine for development).
     */
    ENCRYPTION_KEYS: z.string().optional(),
    /** Emails that are platform admins (comma-separated). */
    PLATFORM_ADMIN_EMAILS: emailList.default([]),
    /** Emails that are platform support (comma-separated). */
    PLATFORM_SUPPORT_EMAILS: emailList.default([]),
    /** Optional OpenID Connect single sign-on. All three or none. */
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_NAME: z.string().default("Single sign-on"),
    /** SMTP URL (smtp://user:pass@host:port); unset means mail goes to the outbox table and the log. */
    SMTP_URL: z.url().optional(),
    MAIL_FROM: z.string().default("Fleetplane <no-reply@fleetplane.local>"),
    /** Failed sign-ins per email+IP within LOGIN_WINDOW_SECONDS before a cooling-off period. */
    LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
    /** Instances an organization may have at once. */
    MAX_INSTANCES_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(25),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    /** Stripe secret key; the default talks to the bundled Stripe emulator (npm start runs it). */
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret key (sk_test_…, sk_live_… or rk_…)").default("sk_test_emulator"),
    /** Where the Stripe API is, when not Stripe itself (the emulator: http://127.0.0.1:12111). */
    STRIPE_API_URL: z.url().optional(),
    /** Signing secret of the webhook endpoint (whsec_…); webhooks are refused without it. */
    STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "must start with whsec_").optional(),
    /** Meter events sent to Stripe per second at most (Stripe allows 1,000/s in live mode; sandboxes less). */
    STRIPE_METER_EVENTS_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(100),
    /** Days between a failed payment and suspension (fractions allowed). */
    BILLING_GRACE_DAYS: z.coerce.number().min(0).max(90).default(3),
    /** Seconds after an hour ends before its usage is exported, so most usage arrives before the first export. */
    BILLING_EXPORT_DELAY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    /** Port of the gateway, the reverse proxy in front of instances (`npm run gateway`). */
    GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    /** Domain under which instances answer as `<namespace>.<domain>` on the gateway (also `/i/<namespace>/…`). */
    FLEETPLANE_GATEWAY_DOMAIN: z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, "must be a domain name").default("localhost"),
    /** Requests the gateway holds per sleeping instance while it wakes; more get 503 with Retry-After. */
    GATEWAY_HOLD_MAX_REQUESTS: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** Milliseconds a held request waits for its instance to wake before a 503 with Retry-After. */
    GATEWAY_HOLD_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /** Bearer token that /api/metrics requires (Prometheus `authorization` credentials); unset serves it to anyone. */
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Seed demo users and catalog on start. */
    SEED_DEMO: bool.default(true),
  })
  .superRefine((env, ctx) => {
    if (env.ENCRYPTION_KEYS) {
      try {
        parseKeyring(env.ENCRYPTION_KEYS);
      } catch (err) {
        ctx.addIssue({ code: "custom", path: ["ENCRYPTION_KEYS"], message: (err as Error).message });
      }
    }
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({ code: "custom", path: ["OIDC_ISSUER"], message: "set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together" });
    }
  });

export type Env = z.infer<typeof schema>;

/** Raised when the environment is invalid; the message names every bad variable. */
export class EnvError extends Error {}

/** Parses an environment; throws EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
  throw new EnvError(`Invalid configuration (see .env.example):\n${lines.join("\n")}`);
}

let cached: Env | undefined;

/** The validated environment of this process, parsed on first use. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forgets the parsed environment, so the next getEnv() reads process.env again (tests that start emulators). */
export function resetEnvCache(): void {
  cached = undefined;
}

/** Validates at process start: prints every bad variable and exits instead of failing later. */
export function assertEnvOrExit(): Env {
  try {
    return getEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
