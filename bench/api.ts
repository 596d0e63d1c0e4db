// Benchmark `api`: p95 latency of tRPC list calls over HTTP, authenticated by API key, with 10,000 audit rows.
import type { Metric } from "./lib/types";
import { median, percentile, round, timeIt } from "./lib/stats";
import { createBenchEnvironment } from "./lib/environment";
import { startTrpcServer } from "./lib/trpc-server";

const MEMBERS = 20;
const AUDIT_ROWS = 10_000;
const REQUESTS = 200;
const WARMUP = 30;
const ROUNDS = 3;
const TARGET_MS = 50;

/** An owner, 20 members who joined by invitation, an admin API key, 10,000 audit rows. Returns the key and org id. */
async function seed(): Promise<{ orgId: string; apiKey: string }> {
  const { getDb } = await import("@/db/client");
  const { auditLog } = await import("@/db/schema");
  const { createUserWithPassword } = await import("@/server/auth/users");
  const { createOrganization } = await import("@/server/orgs/organizations");
  const { createInvitation, acceptInvitation } = await import("@/server/orgs/invitations");
  const { createApiKey } = await import("@/server/apikeys/api-keys");
  type UserActor = import("@/server/auth/actor").UserActor;

  const db = getDb();
  const request = { ip: "127.0.0.1", userAgent: "bench", requestId: "bench" };
  const userCtx = (u: { id: string; email: string }, name: string) => ({
    actor: { kind: "user", userId: u.id, email: u.email, name, platformRole: null } satisfies UserActor,
    request,
  });

  const password = "bench-password-1234";
  const owner = await createUserWithPassword(db, { email: "owner@bench.local", name: "Bench Owner", password }, request);
  const ownerCtx = userCtx(owner, "Bench Owner");
  const org = await createOrganization(db, ownerCtx, { name: "Bench Co" });

  for (let i = 1; i <= MEMBERS; i++) {
    const email = `member${String(i).padStart(2, "0")}@bench.local`;
    const user = await createUserWithPassword(db, { email, name: `Member ${i}`, password }, request);
    const invitation = await createInvitation(db, ownerCtx, "owner", { orgId: org.id, email, role: i % 5 === 0 ? "admin" : "member" });
    const token = invitation.link.split("/invite/")[1];
    if (!token) throw new Error(`unexpected invitation link ${invitation.link}`);
    await acceptInvitation(db, userCtx(user, `Member ${i}`), token);
  }

  const key = await createApiKey(db, ownerCtx, { orgId: org.id, name: "bench", role: "admin" });

  const actions = ["members.update_role", "invitations.create", "invitations.accept", "apikeys.create", "orgs.rename"];
  const start = Date.now() - AUDIT_ROWS * 1000;
  for (let offset = 0; offset < AUDIT_ROWS; offset += 1000) {
    const rows = Array.from({ length: Math.min(1000, AUDIT_ROWS - offset) }, (_, j) => {
      const n = offset + j;
      return {
        at: new Date(start + n * 1000),
        orgId: org.id,
        actorType: "user" as const,
        actorId: owner.id,
        actorLabel: owner.email,
        action: actions[n % actions.length]!,
        targetType: "member",
        targetId: `target-${n % 97}`,
        ip: "127.0.0.1",
        userAgent: "bench",
        requestId: `bench-${n}`,
        details: { n },
      };
    });
    await db.insert(auditLog).values(rows);
  }
  return { orgId: org.id, apiKey: key.secret };
}

async function measure(url: string, apiKey: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const { ms, result } = await timeIt(async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
      const body = await res.text();
      return { status: res.status, body };
    });
    if (result.status !== 200) throw new Error(`GET ${url} answered ${result.status}: ${result.body.slice(0, 300)}`);
    times.push(ms);
  }
  return times;
}

/** Fails the benchmark when an endpoint answers something else than expected (a fast error is no result). */
async function verify(url: string, apiKey: string, check: (data: unknown) => boolean, expected: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await res.json()) as { result?: { data?: { json?: unknown } } };
  if (!check(body.result?.data?.json)) throw new Error(`${url} did not return ${expected}: ${JSON.stringify(body).slice(0, 300)}`);
}

export default async function run(): Promise<{ metrics: Metric[] }> {
  const env = await createBenchEnvironment("api");
  let server: Awaited<ReturnType<typeof startTrpcServer>> | undefined;
  try {
    const { orgId, apiKey } = await seed();
    server = await startTrpcServer();
    const input = encodeURIComponent(JSON.stringify({ json: { orgId } }));
    const endpoints = {
      members_list_p95_ms: `${server.url}/api/trpc/members.list?input=${input}`,
      audit_list_p95_ms: `${server.url}/api/trpc/audit.list?input=${input}`,
    };

    await verify(endpoints.members_list_p95_ms, apiKey, (data) => Array.isArray(data) && data.length === MEMBERS + 1, `${MEMBERS + 1} members`);
    await verify(endpoints.audit_list_p95_ms, apiKey, (data) => (data as { items?: unknown[] })?.items?.length === 50, "a page of 50 audit entries");
    for (const url of Object.values(endpoints)) await measure(url, apiKey, WARMUP);
    const p95s: Record<string, number[]> = Object.fromEntries(Object.keys(endpoints).map((k) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [key, url] of Object.entries(endpoints)) {
        p95s[key]!.push(percentile(await measure(url, apiKey, REQUESTS), 95));
      }
    }
    return {
      metrics: Object.entries(p95s).map(([key, values]) => ({ key, value: round(median(values), 2), unit: "ms", better: "lower", target: TARGET_MS })),
    };
  } finally {
    await server?.close();
    await env.cleanup();
  }
}
