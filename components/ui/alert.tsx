// Messages in a coloured box: errors from the API in plain words, warnings, notes and confirmations.
import type { ReactNode } from "react";
import { errorMessage } from "@/lib/trpc/errors";
import { cn } from "./cn";

type Tone = "error" | "warning" | "info" | "success";

const tones: Record<Tone, string> = {
  error: "bg-red-50 text-red-800 ring-red-200",
  warning: "bg-amber-50 text-amber-900 ring-amber-200",
  info: "bg-brand-50 text-brand-900 ring-brand-200",
  success: "bg-green-50 text-green-800 ring-green-200",
};

export function Alert({ tone = "info", title, children, className }: { tone?: Tone; title?: ReactNode; children?: ReactNode; className?: string }) {
  return (
    <div role={tone === "error" ? "alert" : "status"} className={cn("rounded-md px-4 py-3 text-sm ring-1 ring-inset", tones[tone], className)}>
      {title && <p className="font-semibold">{title}</p>}
      {children && <div className={title ? "mt-1" : undefined}>{children}</div>}
    </div>
  );
}

/** Shows what went wrong with an API call, in the server's own plain words. */
export function ErrorMessage({ error, className, title }: { error: unknown; className?: string; title?: string }) {
  if (!error) return null;
  const text = typeof error === "string" ? error : errorMessage(error);
  return (
    <Alert tone="error" className={className} title={title}>
      {text}
    </Alert>
  );
}
