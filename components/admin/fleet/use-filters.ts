// Filters kept in the address bar, so a filtered view can be shared and survives a reload.
"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";

export function useUrlFilters<K extends string>(keys: readonly K[]): [Record<K, string>, (key: K, value: string) => void, () => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ""])) as Record<K, string>;
  function set(key: K, value: string) {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  }
  function clear() {
    router.replace(pathname, { scroll: false });
  }
  return [values, set, clear];
}
