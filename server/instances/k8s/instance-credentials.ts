// The generated credentials of an instance, kept in a Secret in its namespace. Created once, never rotated by a
// retry: whatever the cluster holds is the truth, and it is what the portal shows the user.
import { randomInt } from "node:crypto";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "@/server/clusters/node-snapshot";
import { DomainError } from "@/server/errors/domain-error";
import type { KubeClients } from "@/server/k8s/kube-client";
import { isKubeAlreadyExists, isKubeNotFound } from "@/server/k8s/kube-status";
import { FIELD_MANAGER } from "@/server/k8s/server-side-apply";

export type InstanceCredentials = { username: string; password: string };

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;

/** Letters and digits only, so the values need no quoting in URLs, shells, config files or YAML. */
function randomString(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A fresh username (lowercase, starts with a letter: valid for PostgreSQL, MySQL and most apps) and a 32-character password. */
export function generateCredentials(): InstanceCredentials {
  return { username: `fp${randomString(LOWER + "0123456789", 10)}`, password: randomString(ALNUM, 32) };
}

const decode = (v: string | undefined) => (v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8"));
const encode = (v: string) => Buffer.from(v, "utf8").toString("base64");

function credentialsOf(secret: { data?: Record<string, string> }, namespace: string, secretName: string): InstanceCredentials {
  const username = decode(secret.data?.username);
  const password = decode(secret.data?.password);
  if (!username || !password)
    throw new DomainError("PRECONDITION_FAILED", `the Secret ${secretName} in namespace ${namespace} exists but holds no username and password; it is left as it is`);
  return { username, password };
}

/** The credentials stored in the Secret, or undefined when it does not exist. */
export async function readCredentialsSecret(clients: Pick<KubeClients, "core">, ref: { namespace: string; secretName: string }): Promise<InstanceCredentials | undefined> {
  try {
    return credentialsOf(await clients.core.readNamespacedSecret({ name: ref.secretName, namespace: ref.namespace }), ref.namespace, ref.secretName);
  } catch (err) {
    if (isKubeNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Returns the instance's credentials, creating the Secret (keys `username` and `password`) with generated
 * values only when it does not exist yet. Never overwrites, so a retried or repeated call returns the same
 * values; a concurrent creator wins and its values are returned. With `createFirst` it tries the create before
 * any read (one request when the Secret is new, as on a first provision; two when it exists).
 */
export async function ensureCredentialsSecret(
  clients: Pick<KubeClients, "core">,
  ref: { namespace: string; secretName: string },
  options: { createFirst?: boolean } = {},
): Promise<InstanceCredentials> {
  if (!options.createFirst) {
    const existing = await readCredentialsSecret(clients, ref);
    if (existing) return existing;
  }
  const fresh = generateCredentials();
  try {
    const created = await clients.core.createNamespacedSecret({
      namespace: ref.namespace,
      fieldManager: FIELD_MANAGER,
      body: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: ref.secretName, namespace: ref.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
        type: "Opaque",
        data: { username: encode(fresh.username), password: encode(fresh.password) },
      },
    });
    return credentialsOf(created, ref.namespace, ref.secretName);
  } catch (err) {
    if (!isKubeAlreadyExists(err)) throw err;
    const raced = await readCredentialsSecret(clients, ref);
    if (!raced) throw err;
    return raced;
  }
}
