// One sidebar entry: highlighted when the current page is inside it.
"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { AppIcon, type IconName } from "@/components/icons";
import { cn } from "@/components/ui";

export type NavItem = { href: string; label: string; icon: IconName };

export function NavLink({ item, onNavigate }: { item: NavItem; onNavigate?: () => void }) {
  const pathname = usePathname();
  const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
  return (
    <Link
      href={item.href}
      onClick={onNavigate}
      aria-current={active ? "page" : undefined}
      className={cn(
        "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors",
        active ? "bg-brand-50 text-brand-700" : "text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900",
      )}
    >
      <AppIcon name={item.icon} />
      {item.label}
    </Link>
  );
}
