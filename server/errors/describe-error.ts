// What the log says about an unexpected error: the whole cause chain (drizzle wraps driver errors),
// with PostgreSQL codes, but never query parameters, which may hold emails or password hashes.

type ErrorLike = { message?: unknown; code?: unknown; constraint?: unknown; detail?: unknown; cause?: unknown; stack?: unknown };

function stripParams(message: string): string {
  return message.replace(/\nparams:[\s\S]*$/, "");
}

/** One object for a log line: messages of the cause chain, database codes and the top stack frames. */
export function describeErrorForLog(err: unknown): { chain: string[]; stack?: string } {
  const chain: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as ErrorLike;
    const parts = [stripParams(String(e.message ?? current))];
    if (e.code) parts.push(`code=${String(e.code)}`);
    if (e.constraint) parts.push(`constraint=${String(e.constraint)}`);
    chain.push(parts.join(" "));
    current = e.cause;
  }
  const stack = typeof (err as ErrorLike)?.stack === "string" ? ((err as ErrorLike).stack as string).split("\n").filter((l) => l.trimStart().startsWith("at ")).slice(0, 8).join("\n") : undefined;
  return { chain, stack };
}
