// Form fields: a label, the control, an optional hint and the error text, wired together for assistive technology.
"use client";
import { createContext, useContext, useId, type InputHTMLAttributes, type ReactNode } from "react";
import { cn } from "./cn";

type FieldContextValue = { id: string; describedBy?: string; invalid: boolean };
const FieldContext = createContext<FieldContextValue | null>(null);

/** Inputs inside a Field take their id, description and invalid state from it. */
export function useFieldControl(): FieldContextValue | null {
  return useContext(FieldContext);
}

export function Label({ htmlFor, children, className }: { htmlFor?: string; children: ReactNode; className?: string }) {
  return (
    <label htmlFor={htmlFor} className={cn("block text-sm font-medium text-zinc-800", className)}>
      {children}
    </label>
  );
}

export function Field({
  label,
  hint,
  error,
  optional,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  optional?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <FieldContext.Provider value={{ id, describedBy, invalid: !!error }}>
      <div className={cn("space-y-1.5", className)}>
        <Label htmlFor={id}>
          {label}
          {optional && <span className="ml-1 font-normal text-zinc-500">(optional)</span>}
        </Label>
        {children}
        {hint && !error && (
          <p id={hintId} className="text-xs text-zinc-500">
            {hint}
          </p>
        )}
        {error && (
          <p id={errorId} className="text-sm text-red-700">
            {error}
          </p>
        )}
      </div>
    </FieldContext.Provider>
  );
}

/** A checkbox with its label on the right. */
export function Checkbox({ label, hint, ...rest }: InputHTMLAttributes<HTMLInputElement> & { label: ReactNode; hint?: ReactNode }) {
  const id = useId();
  return (
    <div className="flex items-start gap-2">
      <input id={id} type="checkbox" className="mt-0.5 size-4 rounded border-zinc-300 accent-brand-600" {...rest} />
      <div>
        <label htmlFor={id} className="text-sm font-medium text-zinc-800">
          {label}
        </label>
        {hint && <p className="text-xs text-zinc-500">{hint}</p>}
      </div>
    </div>
  );
}
