// Stripe's error envelope `{ error: { type, code, message, param } }` as a throwable, with the usual constructors.

export type StripeErrorType =
  | "invalid_request_error"
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "rate_limit_error"
  | "authentication_error";

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
}

/** Thrown by handlers; the router turns it into the HTTP status and JSON envelope. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

function docUrl(code: string | undefined): string | undefined {
  return code ? `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}` : undefined;
}

export function invalidRequest(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, { type: "invalid_request_error", message, param, code, doc_url: docUrl(code) });
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");
}

export function invalidInteger(param: string, value: string): StripeApiError {
  return invalidRequest(`Invalid integer: ${value}`, param, "parameter_invalid_integer");
}

export function invalidEnum(param: string, allowed: readonly string[]): StripeApiError {
  const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(", ")}, or ${allowed[allowed.length - 1]}` : allowed.join("");
  return invalidRequest(`Invalid ${param}: must be one of ${list}`, param);
}

/** 404 for an id that does not exist: `No such customer: 'cus_123'`. */
export function noSuch(kind: string, id: string, param = "id"): StripeApiError {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
    doc_url: docUrl("resource_missing"),
  });
}

/** The same `resource_missing` answer with status 400, as Stripe gives for a bad id inside a create call. */
export function noSuchParam(kind: string, id: string, param: string): StripeApiError {
  return new StripeApiError(400, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
    doc_url: docUrl("resource_missing"),
  });
}

export function rateLimited(retryAfterSeconds?: number, shouldRetry?: boolean): StripeApiError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers["Retry-After"] = String(retryAfterSeconds);
  if (shouldRetry !== undefined) headers["Stripe-Should-Retry"] = String(shouldRetry);
  return new StripeApiError(
    429,
    {
      type: "invalid_request_error",
      code: "rate_limit",
      message:
        "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
      doc_url: docUrl("rate_limit"),
    },
    headers,
  );
}

export function apiError(status = 500, shouldRetry?: boolean): StripeApiError {
  const headers: Record<string, string> = {};
  if (shouldRetry !== undefined) headers["Stripe-Should-Retry"] = String(shouldRetry);
  return new StripeApiError(
    status,
    { type: "api_error", message: "An unknown error occurred. (injected by stripe-emulator)" },
    headers,
  );
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}
