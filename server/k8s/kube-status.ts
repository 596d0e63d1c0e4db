// Reads the Kubernetes Status out of a client-node failure (ApiException.body is a JSON string), so callers can
// tell "not found", "invalid" or "quota exceeded" apart without string-matching raw error text everywhere.
import { ApiException } from "@kubernetes/client-node";

export type KubeStatus = {
  code: number;
  reason: string;
  message: string;
  causes: { reason?: string; message?: string; field?: string }[];
};

/** The Status of a failed API call, or undefined when the error is not an HTTP answer (connection, timeout). */
export function kubeStatusOf(err: unknown): KubeStatus | undefined {
  const e = err as { code?: unknown; body?: unknown; statusCode?: unknown };
  const code = err instanceof ApiException ? err.code : typeof e?.code === "number" ? e.code : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  if (code === undefined) return undefined;
  let body: Record<string, unknown> = {};
  try {
    const raw = typeof e.body === "string" ? JSON.parse(e.body) : e.body;
    if (raw && typeof raw === "object") body = raw as Record<string, unknown>;
  } catch {
    /* not a Status */
  }
  const details = (body.details ?? {}) as { causes?: KubeStatus["causes"] };
  return {
    code,
    reason: typeof body.reason === "string" ? body.reason : "",
    message: typeof body.message === "string" ? body.message : "",
    causes: Array.isArray(details.causes) ? details.causes : [],
  };
}

/** Whether the call failed because the object (or its namespace) does not exist. */
export function isKubeNotFound(err: unknown): boolean {
  return kubeStatusOf(err)?.code === 404;
}

/** Whether a create failed because the object already exists. */
export function isKubeAlreadyExists(err: unknown): boolean {
  return kubeStatusOf(err)?.code === 409;
}

/** Whether a ResourceQuota refused the object ("exceeded quota" / "failed quota", a 403). */
export function isQuotaRejection(err: unknown): boolean {
  const s = kubeStatusOf(err);
  return s?.code === 403 && /exceeded quota|failed quota/i.test(s.message);
}

/** Whether the cluster rejected the object itself (400 BadRequest, 422 Invalid): sending it again cannot succeed. */
export function isInvalidObject(err: unknown): boolean {
  const code = kubeStatusOf(err)?.code;
  return code === 400 || code === 422;
}

/**
 * A ResourceQuota refusal ("exceeded quota: q, requested: a=1, used: a=0, limited: a=1" or "failed quota: q:
 * must specify …") in words a platform admin or customer can act on; undefined for any other message.
 */
export function describeQuotaRefusal(message: string): string | undefined {
  const exceeded = /exceeded quota: [^,]+, requested: (.*?), used: (.*?), limited: (.*)$/.exec(message);
  if (exceeded) return `it does not fit the instance's resource quota: it asks for ${exceeded[1]} while ${exceeded[2]} is already in use, and the limit is ${exceeded[3]}`;
  const missing = /failed quota: [^:]+: must specify (.*)$/.exec(message);
  if (missing) return `the instance's resource quota refuses it: its containers must specify ${missing[1]}`;
  return undefined;
}
