// Helpers for gateway tests: raw HTTP calls with a chosen Host, instance rows changed directly (with the change
// notification the domain code would publish), and instances inserted without provisioning.
import http from "node:http";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { billingAccounts, instances, plans, serviceVersions, services } from "@/db/schema";
import { publishInstanceChange } from "@/server/instances/instance-events";

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string; chunks: string[] };

/** One request on a fresh connection; `chunks` are the body pieces as they arrived. */
export function call(port: number, path: string, opts: { method?: string; host?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", agent: false, headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } }, (res) => {
      const chunks: string[] = [];
      res.setEncoding("utf8");
      res.on("data", (c: string) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: chunks.join(""), chunks }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export function json(reply: Reply): Record<string, unknown> {
  return JSON.parse(reply.body) as Record<string, unknown>;
}

/** Changes an instance row as a workflow would, and publishes the change. */
export async function updateInstance(instanceId: string, set: Partial<typeof instances.$inferInsert>): Promise<void> {
  await getDb().update(instances).set(set).where(eq(instances.id, instanceId));
  await publishInstanceChange(instanceId);
}

export async function setOrgStatus(orgId: string, status: "active" | "suspended", instanceId: string): Promise<void> {
  await getDb().insert(billingAccounts).values({ orgId, status }).onConflictDoUpdate({ target: billingAccounts.orgId, set: { status } });
  await publishInstanceChange(instanceId);
}

/** An instance row on the seeded hello-web service, as if provisioned, answering at `endpoint`. */
export async function insertInstance(orgId: string, name: string, endpoint: { host: string; port: number } | null, planSlug = "standard"): Promise<{ id: string; namespace: string }> {
  const db = getDb();
  const [svc] = await db.select().from(services).where(eq(services.slug, "hello-web"));
  const [plan] = (await db.select().from(plans).where(eq(plans.serviceId, svc!.id))).filter((p) => p.slug === planSlug);
  const [version] = await db.select().from(serviceVersions).where(eq(serviceVersions.serviceId, svc!.id));
  const namespace = `fp-${Math.random().toString(16).slice(2, 10)}-${name}`;
  const [row] = await db
    .insert(instances)
    .values({ orgId, serviceId: svc!.id, planId: plan!.id, versionId: version!.id, name, namespace, desiredReplicas: plan!.replicas, observedState: "running", observedReplicas: plan!.replicas, endpointHost: endpoint?.host ?? null, endpointPort: endpoint?.port ?? null, createdBy: "test" })
    .returning({ id: instances.id, namespace: instances.namespace });
  await publishInstanceChange(row!.id);
  return row!;
}
