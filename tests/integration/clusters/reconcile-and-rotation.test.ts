// Reservations follow where pods really run; kubeconfigs move to a new key without losing a byte.
import { randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { clusters, reservations } from "@/db/schema";
import { reconcileReservations } from "@/server/clusters/capacity-sync";
import { kubeconfigAad, rotateKubeconfigKeys } from "@/server/clusters/cluster-credentials";
import { decryptSecret, encryptSecret, type Keyring } from "@/server/crypto/secret-box";

async function cluster(name: string, box = "unused") {
  const [row] = await getDb().insert(clusters).values({ name, region: "eu-west-1", kubeconfigEncrypted: box, serverUrl: "http://127.0.0.1:1" }).returning();
  return row!;
}

describe("reconcileReservations", () => {
  it("moves reservations to the nodes the pods run on and keeps the rest", async () => {
    const db = getDb();
    const c = await cluster("reconcile");
    const drifted = randomUUID();
    const asleep = randomUUID();
    const exact = randomUUID();
    await db.insert(reservations).values([
      { subjectId: drifted, clusterId: c.id, nodeName: "n1", replica: 0, cpuMillis: 100, memoryMb: 64 },
      { subjectId: drifted, clusterId: c.id, nodeName: "n2", replica: 1, cpuMillis: 100, memoryMb: 64 },
      { subjectId: asleep, clusterId: c.id, nodeName: "n3", replica: 0, cpuMillis: 100, memoryMb: 64 },
      { subjectId: exact, clusterId: c.id, nodeName: "n1", replica: 0, cpuMillis: 100, memoryMb: 64 },
    ]);
    const drifts = await reconcileReservations(db, c.id, new Map([[drifted, ["n2", "n4"]], [exact, ["n1"]]]));
    expect(drifts).toEqual([{ subjectId: drifted, reserved: ["n1", "n2"], running: ["n2", "n4"] }]);
    const rows = await db.select().from(reservations).where(eq(reservations.clusterId, c.id));
    const nodesOf = (id: string) => rows.filter((r) => r.subjectId === id).map((r) => r.nodeName).sort();
    expect(nodesOf(drifted)).toEqual(["n2", "n4"]);
    expect(nodesOf(asleep)).toEqual(["n3"]);
    expect(nodesOf(exact)).toEqual(["n1"]);
  });
});

describe("rotateKubeconfigKeys", () => {
  it("re-encrypts under the new key; old boxes open until rotated, new ones after", async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const before: Keyring = { current: "k1", keys: { k1 } };
    const after: Keyring = { current: "k2", keys: { k2, k1 } };
    const id = randomUUID();
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n";
    const db = getDb();
    await db.insert(clusters).values({ id, name: "rotating", region: "eu-west-1", serverUrl: "http://127.0.0.1:1", kubeconfigEncrypted: encryptSecret(kubeconfig, before, kubeconfigAad(id)) });
    expect(await rotateKubeconfigKeys(db, after)).toBe(1);
    const [row] = await db.select().from(clusters).where(eq(clusters.id, id));
    expect(row!.kubeconfigEncrypted.startsWith("v1.k2.")).toBe(true);
    expect(decryptSecret(row!.kubeconfigEncrypted, { current: "k2", keys: { k2 } }, kubeconfigAad(id))).toBe(kubeconfig);
    expect(await rotateKubeconfigKeys(db, after)).toBe(0);
  });
});
