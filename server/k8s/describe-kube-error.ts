// Turns a client-node failure into plain words for users (the raw error goes to the log only).

/** A short, user-safe explanation of why a call to a cluster failed. */
export function describeKubeError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown; cause?: { code?: string } };
  if (typeof e?.code === "number") {
    let message = "";
    try {
      message = typeof e.body === "string" ? (JSON.parse(e.body) as { message?: string }).message ?? "" : "";
    } catch {
      /* body is not a Status */
    }
    if (e.code === 401) return "the cluster refused the credentials (401 Unauthorized)";
    if (e.code === 403) return `the credentials are not allowed to do this (403 Forbidden)${message ? `: ${message}` : ""}`;
    if (e.code === 429) return "the cluster's API is rate limiting us (429)";
    if (e.code >= 500) return `the cluster's API failed (${e.code})`;
    return `the cluster answered ${e.code}${message ? `: ${message}` : ""}`;
  }
  const code = e?.cause?.code ?? (typeof e?.code === "string" ? e.code : undefined) ?? String(e?.message ?? "");
  if (/ECONNREFUSED/.test(code)) return "the cluster's API server refused the connection";
  if (/ENOTFOUND|EAI_AGAIN/.test(code)) return "the cluster's API server name does not resolve";
  if (/ETIMEDOUT|timed out|aborted/i.test(code)) return "the cluster's API server did not answer in time";
  if (/ECONNRESET|socket hang up/i.test(code)) return "the connection to the cluster's API server was cut";
  if (/certificate|self.signed|CERT/i.test(code)) return "the cluster's TLS certificate is not trusted";
  return "the cluster could not be reached";
}
