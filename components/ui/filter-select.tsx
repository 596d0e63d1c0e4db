// A list filter: a labelled select whose empty choice means "no filter" ("All clusters", "Any status").
"use client";
import { Field } from "./field";
import { Select } from "./input";

export type FilterOption = { value: string; label: string };

export function FilterSelect({ label, allLabel, value, options, onChange }: { label: string; allLabel: string; value: string; options: readonly FilterOption[]; onChange: (value: string) => void }) {
  return (
    <Field label={label}>
      <Select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{allLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
    </Field>
  );
}
