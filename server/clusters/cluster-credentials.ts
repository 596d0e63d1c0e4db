// A cluster's kubeconfig, encrypted at rest and bound (AAD) to the cluster's row so a box cannot be swapped.
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { clusters } from "@/db/schema";
import { decryptSecret } from "@/server/crypto/secret-box";
import { getKeyring } from "@/server/crypto/keyring";
import { DomainError } from "@/server/errors/domain-error";

export function kubeconfigAad(clusterId: string): string {
  return `cluster:${clusterId}:kubeconfig`;
}

/** The decrypted kubeconfig of a cluster: for workers only, never returned by the API. */
export async function loadKubeconfig(db: DbOrTx, clusterId: string): Promise<string> {
  const [row] = await db.select({ box: clusters.kubeconfigEncrypted }).from(clusters).where(eq(clusters.id, clusterId));
  if (!row) throw new DomainError("NOT_FOUND", "Cluster not found");
  return decryptSecret(row.box, getKeyring(), kubeconfigAad(clusterId));
}
