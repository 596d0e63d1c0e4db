// Text inputs, selects and text areas with one look; inside a Field they pick up its label, hint and error.
"use client";
import type { InputHTMLAttributes, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import { cn } from "./cn";
import { useFieldControl } from "./field";

const controlClasses =
  "block w-full rounded-md border-0 bg-white px-3 text-sm text-zinc-900 shadow-sm ring-1 ring-inset ring-zinc-300 placeholder:text-zinc-400 focus:ring-2 focus:ring-inset focus:ring-brand-500 focus:outline-none disabled:bg-zinc-100 disabled:text-zinc-500 aria-invalid:ring-red-500";

function useControlProps(id?: string) {
  const field = useFieldControl();
  return {
    id: id ?? field?.id,
    "aria-describedby": field?.describedBy,
    "aria-invalid": field?.invalid || undefined,
  };
}

export function Input({ className, id, ...rest }: InputHTMLAttributes<HTMLInputElement>) {
  return <input className={cn(controlClasses, "h-10", className)} {...useControlProps(id)} {...rest} />;
}

export function Select({ className, id, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select className={cn(controlClasses, "fp-select h-10 pr-9", className)} {...useControlProps(id)} {...rest}>
      {children}
    </select>
  );
}

export function Textarea({ className, id, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea className={cn(controlClasses, "py-2", className)} {...useControlProps(id)} {...rest} />;
}
