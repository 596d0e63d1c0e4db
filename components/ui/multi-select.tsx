// A select for several values: a button that says what is chosen ("All plans", "Free, Pro", "3 selected") and opens
// a list of checkboxes. Nothing chosen is a meaningful choice of its own (usually "all").
"use client";
import { useEffect, useId, useRef, useState } from "react";
import { cn } from "./cn";
import { useFieldControl } from "./field";

export type MultiSelectOption = { value: string; label: string; hint?: string };

export function MultiSelect({
  label,
  allLabel,
  options,
  value,
  onChange,
  disabled,
}: {
  /** Names the list of checkboxes for assistive technology. */
  label: string;
  /** What the button says when nothing is chosen. */
  allLabel: string;
  options: readonly MultiSelectOption[];
  value: readonly string[];
  onChange: (value: string[]) => void;
  disabled?: boolean;
}) {
  const field = useFieldControl();
  const listId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  // Closes on a click elsewhere or Escape.
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        // Only the list closes, not a dialog around it.
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
      }
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey, true);
    };
  }, [open]);
  const chosen = options.filter((o) => value.includes(o.value));
  const summary = chosen.length === 0 ? allLabel : chosen.length <= 2 ? chosen.map((o) => o.label).join(", ") : `${chosen.length} selected`;
  const toggle = (v: string, on: boolean) => onChange(on ? [...value, v] : value.filter((x) => x !== v));
  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        id={field?.id}
        aria-describedby={field?.describedBy}
        aria-expanded={open}
        aria-controls={listId}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
        className={cn(
          "fp-select block h-10 w-full truncate rounded-md bg-white pr-9 pl-3 text-left text-sm shadow-sm ring-1 ring-zinc-300 ring-inset focus:ring-2 focus:ring-brand-500 focus:outline-none disabled:bg-zinc-100 disabled:text-zinc-500",
          chosen.length ? "text-zinc-900" : "text-zinc-500",
        )}
      >
        {summary}
      </button>
      {open && (
        <div id={listId} role="group" aria-label={label} className="absolute z-20 mt-1 w-full min-w-56 rounded-md bg-white p-1 shadow-lg ring-1 ring-zinc-200">
          {options.length === 0 ? (
            <p className="px-2 py-1.5 text-sm text-zinc-500">Nothing to choose from</p>
          ) : (
            <ul className="max-h-56 overflow-y-auto">
              {options.map((o) => (
                <li key={o.value}>
                  <label className="flex cursor-pointer items-start gap-2 rounded px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-50">
                    <input type="checkbox" className="mt-0.5 size-4 shrink-0 accent-brand-600" checked={value.includes(o.value)} onChange={(e) => toggle(o.value, e.target.checked)} />
                    <span className="min-w-0">
                      {o.label}
                      {o.hint && <span className="block text-xs text-zinc-500">{o.hint}</span>}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <div className="mt-1 flex justify-between border-t border-zinc-100 px-2 pt-1.5 pb-0.5 text-xs">
            <button type="button" className="text-zinc-600 hover:text-zinc-900 disabled:text-zinc-300" disabled={value.length === 0} onClick={() => onChange([])}>
              Clear ({allLabel.toLowerCase()})
            </button>
            <button type="button" className="font-medium text-brand-700 hover:text-brand-900" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
