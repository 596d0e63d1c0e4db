// A cluster's kubeconfig, encrypted at rest and bound (AAD) to the cluster's row so a box cannot be swapped.
import { and, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { clusters } from "@/db/schema";
import { decryptSecret, needsReencryption, reencryptSecret, type Keyring } from "@/server/crypto/secret-box";
import { getKeyring } from "@/server/crypto/keyring";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";

export function kubeconfigAad(clusterId: string): string {
  return `cluster:${clusterId}:kubeconfig`;
}

/** The decrypted kubeconfig of a cluster: for workers only, never returned by the API. */
export async function loadKubeconfig(db: DbOrTx, clusterId: string): Promise<string> {
  const [row] = await db.select({ box: clusters.kubeconfigEncrypted }).from(clusters).where(eq(clusters.id, clusterId));
  if (!row) throw new DomainError("NOT_FOUND", "Cluster not found");
  return decryptSecret(row.box, getKeyring(), kubeconfigAad(clusterId));
}

/**
 * Re-encrypts every kubeconfig not under the current key (after a new key is put first in ENCRYPTION_KEYS);
 * once it reports 0 remaining, the old key can be dropped from the list. Returns how many boxes changed.
 */
export async function rotateKubeconfigKeys(db: Db, keyring: Keyring = getKeyring()): Promise<number> {
  const rows = await db.select({ id: clusters.id, box: clusters.kubeconfigEncrypted }).from(clusters);
  let changed = 0;
  for (const row of rows) {
    let box: string;
    try {
      if (!needsReencryption(row.box, keyring)) continue;
      box = reencryptSecret(row.box, keyring, kubeconfigAad(row.id));
    } catch (err) {
      // One unreadable box (a key already dropped, a damaged row) must not stop the others from rotating.
      log.error("clusters", "cannot re-encrypt kubeconfig", { clusterId: row.id, error: (err as Error).message });
      continue;
    }
    // Only replace the box we read, so a concurrent kubeconfig update is never overwritten with older content.
    const updated = await db
      .update(clusters)
      .set({ kubeconfigEncrypted: box })
      .where(and(eq(clusters.id, row.id), eq(clusters.kubeconfigEncrypted, row.box)))
      .returning({ id: clusters.id });
    changed += updated.length;
  }
  return changed;
}
