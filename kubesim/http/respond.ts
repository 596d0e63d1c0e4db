// Writing JSON, Status errors and Table/aggregated-discovery content types to node:http responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, errors } from "../errors";

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  sendRaw(res, code, typeof body === "string" ? body : JSON.stringify(body), contentType);
}

export function sendRaw(res: ServerResponse, code: number, text: string, contentType = "application/json"): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  if (!(err instanceof ApiError)) console.error("[kubesim] internal error:", err);
  if (e.headers && !res.headersSent) for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  sendJson(res, e.code, e.toStatus());
}

export function successStatus(details: Record<string, unknown>): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

export function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? "";
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept) && /v=v1(?!beta)/.test(accept);
}

export function wantsAggregatedDiscovery(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? "";
  return /as=APIGroupDiscoveryList/.test(accept) && /v=v2(?![a-z0-9])/.test(accept);
}

export const TABLE_CT = "application/json;as=Table;v=v1;g=meta.k8s.io";
export const AGG_DISCOVERY_CT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** Reads the request body (bounded) as text. */
export async function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}
