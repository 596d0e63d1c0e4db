// The one mapping from errors to what an API caller sees: domain codes pass through, internals never do.
import { TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import { DomainError } from "@/server/errors/domain-error";

/** Turns a thrown error into the TRPCError the caller sees. */
export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (err instanceof DomainError) return new TRPCError({ code: err.code, message: err.message, cause: err });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal", cause: err });
}

/** Human text for a zod failure that names each bad field. */
export function describeZodError(err: ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

export type ErrorShapeData = { requestId?: string; field?: string; fieldErrors?: Record<string, string[] | undefined> };

/** Rewrites the error shape so that bad input names its fields and internal errors say only "something went wrong". */
export function formatError(error: TRPCError, requestId: string | undefined): { message: string; data: ErrorShapeData } {
  const cause = error.cause;
  if (error.code === "BAD_REQUEST" && cause instanceof ZodError) {
    return {
      message: `Invalid input: ${describeZodError(cause)}`,
      data: { requestId, fieldErrors: z.flattenError(cause).fieldErrors as Record<string, string[] | undefined> },
    };
  }
  if (cause instanceof DomainError) return { message: cause.message, data: { requestId, field: cause.field } };
  if (error.code === "INTERNAL_SERVER_ERROR") {
    return { message: `Something went wrong on our side. Quote request id ${requestId ?? "unknown"} if you contact support.`, data: { requestId } };
  }
  return { message: error.message, data: { requestId } };
}
