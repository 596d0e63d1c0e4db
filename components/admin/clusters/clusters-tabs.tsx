// The two views of the Clusters section: the fleet of clusters, and capacity planning (what-if, rebalancing).
"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui";

const tabs = [
  { href: "/admin/clusters", label: "Clusters" },
  { href: "/admin/clusters/planning", label: "Capacity planning" },
];

export function ClustersTabs() {
  const pathname = usePathname();
  return (
    <nav aria-label="Clusters section" className="-mt-2 mb-6 border-b border-zinc-200">
      <ul className="-mb-px flex gap-6">
        {tabs.map((t) => {
          const active = pathname === t.href;
          return (
            <li key={t.href}>
              <Link
                href={t.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "inline-block border-b-2 px-1 pb-2.5 text-sm font-medium",
                  active ? "border-brand-600 text-brand-700" : "border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900",
                )}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
