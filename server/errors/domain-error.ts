// The one error type of domain code: a code that says what went wrong, a message safe to show users.

/** Codes map one-to-one onto tRPC codes (server/api/errors.ts) and onto retry decisions in workers. */
export type DomainErrorCode =
  /** Input is well-formed but wrong (a value out of range, a rule broken). */
  | "BAD_REQUEST"
  /** Not signed in, or the credentials are wrong. */
  | "UNAUTHORIZED"
  /** Signed in, but the role does not allow the action. */
  | "FORBIDDEN"
  /** The object does not exist, or belongs to an organization the caller cannot see. */
  | "NOT_FOUND"
  /** A unique name is taken, or the object changed meanwhile. */
  | "CONFLICT"
  /** The object's state forbids the action now (last owner, expired invitation). */
  | "PRECONDITION_FAILED"
  /** The organization must subscribe or pay first (no subscription for a paid plan, or suspended). */
  | "PAYMENT_REQUIRED"
  /** Rate limit or lockout; retry later. */
  | "TOO_MANY_REQUESTS";

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** The input field the error is about, when there is one. */
  readonly field?: string;
  constructor(code: DomainErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "DomainError";
    this.code = code;
    this.field = options?.field;
  }
}

/** Whether a driver error (wrapped by drizzle) is a unique violation, optionally of one constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const cause = (err as { cause?: { code?: string; constraint?: string } })?.cause ?? (err as { code?: string; constraint?: string });
  return cause?.code === "23505" && (!constraint || cause.constraint === constraint);
}
