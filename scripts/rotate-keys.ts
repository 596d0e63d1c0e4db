// `npm run rotate-keys`: re-encrypts every stored secret under the current key (the first of ENCRYPTION_KEYS).
import { closeDb, getDb } from "@/db/client";
import { rotateKubeconfigKeys } from "@/server/clusters/cluster-credentials";
import { assertEnvOrExit } from "@/server/env";

assertEnvOrExit();
const changed = await rotateKubeconfigKeys(getDb());
console.log(`re-encrypted ${changed} kubeconfig(s) under the current key`);
await closeDb();
