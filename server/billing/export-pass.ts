// One export pass (plan, then send), run by one process at a time: a Redis lease keeps a second exporter out, so
// calls per customer and meter stay one at a time fleet-wide; losing the lease stops sending at once.
import type { Db } from "@/db/client";
import { Lease } from "@/server/redis/lease";
import { planExports, sendPendingExports, type SendOptions } from "./export-usage";

export async function runExportPass(db: Db, options: SendOptions = {}): Promise<{ planned: number; sent: number; failed: number } | { skipped: "another process is exporting" }> {
  const lease = new Lease("billing-export", 30_000);
  if (!(await lease.acquireOrRenew())) return { skipped: "another process is exporting" };
  const abort = new AbortController();
  const renew = setInterval(() => {
    lease.acquireOrRenew().then(
      (held) => held || abort.abort(),
      () => abort.abort(),
    );
  }, 5_000);
  try {
    let planned = 0;
    for (let n = await planExports(db); n > 0; n = await planExports(db)) planned += n;
    const { sent, failed } = await sendPendingExports(db, { ...options, signal: abort.signal });
    return { planned, sent, failed };
  } finally {
    clearInterval(renew);
    await lease.release().catch(() => {});
  }
}
