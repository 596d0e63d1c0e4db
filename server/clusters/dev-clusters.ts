// Development clusters (kubesim) registered by `npm start`: added on first start, kubeconfig refreshed later.
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { clusters } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { encryptSecret } from "@/server/crypto/secret-box";
import { getKeyring } from "@/server/crypto/keyring";
import { kubeconfigAad, loadKubeconfig } from "./cluster-credentials";
import { registerCluster } from "./registry";

/** Registers the cluster when no cluster has this name, else refreshes its kubeconfig if it changed. */
export async function ensureDevCluster(db: Db, input: { name: string; region: string; kubeconfig: string }): Promise<"registered" | "updated" | "unchanged"> {
  const [existing] = await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, input.name));
  if (!existing) {
    await registerCluster(db, systemContext("npm start"), { ...input, labels: { environment: "development", simulator: "kubesim" } });
    return "registered";
  }
  if ((await loadKubeconfig(db, existing.id).catch(() => "")) === input.kubeconfig) return "unchanged";
  await db
    .update(clusters)
    .set({ kubeconfigEncrypted: encryptSecret(input.kubeconfig, getKeyring(), kubeconfigAad(existing.id)) })
    .where(eq(clusters.id, existing.id));
  return "updated";
}
