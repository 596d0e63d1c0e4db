// Kubernetes metav1.Status errors, built exactly as the API server words them.
import type { ResourceDef } from "./resources";

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
    };
    if (this.details) status.details = this.details;
    status.code = this.code;
    return status;
  }
}

function gdetails(res: ResourceDef, name: string | undefined): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (res.group) d.group = res.group;
  d.kind = res.plural;
  return d;
}

export const errors = {
  notFound: (res: ResourceDef, name: string) =>
    new ApiError(404, "NotFound", `${res.qualified} "${name}" not found`, gdetails(res, name)),
  namespaceNotFound: (ns: string) =>
    new ApiError(404, "NotFound", `namespaces "${ns}" not found`, { name: ns, kind: "namespaces" }),
  alreadyExists: (res: ResourceDef, name: string) =>
    new ApiError(409, "AlreadyExists", `${res.qualified} "${name}" already exists`, gdetails(res, name)),
  conflict: (res: ResourceDef, name: string, why = "the object has been modified; please apply your changes to the latest version and try again") =>
    new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${res.qualified} "${name}": ${why}`, gdetails(res, name)),
  invalid: (res: ResourceDef, name: string, causes: StatusCause[]) => {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const body = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
    const details: StatusDetails = { name, ...(res.group ? { group: res.group } : {}), kind: res.kind, causes };
    return new ApiError(422, "Invalid", `${res.kind} "${name}" is invalid: ${body}`, details);
  },
  forbidden: (res: ResourceDef, name: string, why: string) =>
    new ApiError(403, "Forbidden", `${res.qualified} "${name}" is forbidden: ${why}`, gdetails(res, name)),
  invalidPatch: (message: string) => new ApiError(422, "Invalid", message, {}),
  badRequest: (message: string) => new ApiError(400, "BadRequest", message),
  unauthorized: () => new ApiError(401, "Unauthorized", "Unauthorized"),
  methodNotAllowed: (message = "the server does not allow this method on the requested resource") =>
    new ApiError(405, "MethodNotAllowed", message, {}),
  expired: (requested: number, oldest: number) =>
    new ApiError(410, "Expired", `too old resource version: ${requested} (${oldest})`),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml${contentType.includes("patch") || contentType.includes("apply") ? ", application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml" : ""}`,
    ),
  notAcceptable: () => new ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml"),
  pathNotFound: () => new ApiError(404, "NotFound", "the server could not find the requested resource", {}),
  internal: (message: string) => new ApiError(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ reason: "", message }] }),
  tooManyRequests: (retryAfter: number) =>
    new ApiError(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: retryAfter }, { "Retry-After": String(retryAfter) }),
};
