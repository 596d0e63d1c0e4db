// The page frame after sign-in: a sidebar (top: a switcher, middle: navigation, bottom: extras) that becomes a drawer on small screens.
"use client";
import Link from "next/link";
import { useEffect, useState, type ReactNode } from "react";
import { usePathname } from "next/navigation";
import { AppIcon } from "@/components/icons";
import { NavLink, type NavItem } from "./nav-link";

export function AppShell({
  homeHref,
  title,
  switcher,
  nav,
  navLabel,
  sidebarFooter,
  userMenu,
  children,
}: {
  homeHref: string;
  /** Shown in the top bar on narrow screens, where the sidebar is hidden. */
  title: string;
  switcher: ReactNode;
  nav: NavItem[];
  navLabel: string;
  sidebarFooter?: ReactNode;
  userMenu: ReactNode;
  children: ReactNode;
}) {
  const [drawerOpen, setDrawerOpen] = useState(false);
  const pathname = usePathname();
  useEffect(() => setDrawerOpen(false), [pathname]);

  const sidebar = (
    <div className="flex h-full flex-col gap-4 px-3 py-4">
      <Link href={homeHref} className="flex items-center gap-2 px-2 text-base font-semibold text-zinc-900">
        <span className="flex size-7 items-center justify-center rounded-md bg-brand-600 text-white">
          <AppIcon name="logo" className="size-4" />
        </span>
        Fleetplane
      </Link>
      {switcher}
      <nav aria-label={navLabel} className="flex-1 space-y-0.5 overflow-y-auto">
        {nav.map((item) => (
          <NavLink key={item.href} item={item} onNavigate={() => setDrawerOpen(false)} />
        ))}
      </nav>
      {sidebarFooter}
    </div>
  );

  return (
    <div className="min-h-screen">
      {/* Wide screens: a fixed sidebar. */}
      <aside className="fixed inset-y-0 left-0 hidden w-64 border-r border-zinc-200 bg-white lg:block">{sidebar}</aside>

      {/* Narrow screens: a drawer. */}
      {drawerOpen && (
        <div className="fixed inset-0 z-40 lg:hidden" role="dialog" aria-modal="true" aria-label="Navigation">
          <div className="absolute inset-0 bg-zinc-900/40" onClick={() => setDrawerOpen(false)} />
          <aside className="absolute inset-y-0 left-0 w-72 max-w-[85%] bg-white shadow-xl">
            <button
              type="button"
              onClick={() => setDrawerOpen(false)}
              className="absolute top-4 right-3 rounded-md p-1 text-zinc-500 hover:bg-zinc-100"
              aria-label="Close navigation"
            >
              <AppIcon name="close" />
            </button>
            {sidebar}
          </aside>
        </div>
      )}

      <div className="lg:pl-64">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur sm:px-6">
          <button
            type="button"
            className="-ml-1 rounded-md p-1.5 text-zinc-600 hover:bg-zinc-100 lg:hidden"
            onClick={() => setDrawerOpen(true)}
            aria-label="Open navigation"
          >
            <AppIcon name="menu" />
          </button>
          <p className="min-w-0 flex-1 truncate text-sm font-semibold text-zinc-900 lg:invisible">{title}</p>
          {userMenu}
        </header>
        <main className="mx-auto max-w-6xl px-4 py-6 sm:px-6 lg:px-8 lg:py-8">{children}</main>
      </div>
    </div>
  );
}
