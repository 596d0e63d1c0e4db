// Turning API errors into plain words for people: the server's message, field errors by field, and network failures.
import { TRPCClientError } from "@trpc/client";

type ErrorData = {
  code?: string;
  httpStatus?: number;
  requestId?: string;
  field?: string;
  fieldErrors?: Record<string, string[] | undefined>;
};

function dataOf(error: unknown): ErrorData | undefined {
  if (error instanceof TRPCClientError) return (error.data ?? undefined) as ErrorData | undefined;
  return undefined;
}

export function errorCode(error: unknown): string | undefined {
  return dataOf(error)?.code;
}

export function httpStatusOf(error: unknown): number | undefined {
  return dataOf(error)?.httpStatus;
}

/** The sentence to show a person for any error thrown by a tRPC call. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (!error.data) return "Could not reach Fleetplane. Check your connection and try again.";
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Messages per input field (zod field errors, or the one field a domain error names), ready to show under each field. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  const data = dataOf(error);
  const out: Record<string, string> = {};
  if (!data) return out;
  for (const [field, messages] of Object.entries(data.fieldErrors ?? {})) {
    if (messages?.[0]) out[field] = sentence(messages[0]);
  }
  // A domain error may start with its field's name ("startsAt: is in the past"): under the field, that is noise.
  if (data.field && error instanceof Error) out[data.field] = sentence(error.message.startsWith(`${data.field}: `) ? error.message.slice(data.field.length + 2) : error.message);
  return out;
}

/** The error message to show above a form: omitted when every problem is already shown under its field. */
export function formErrorMessage(error: unknown, fields: readonly string[]): string | null {
  if (!error) return null;
  const byField = fieldErrorsOf(error);
  const shown = Object.keys(byField);
  if (shown.length > 0 && shown.every((f) => fields.includes(f))) return null;
  return errorMessage(error);
}
