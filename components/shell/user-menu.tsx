// The signed-in person's menu: who they are, the provider console for staff, and sign out.
"use client";
import Link from "next/link";
import { useCallback, useRef, useState } from "react";
import { signOut } from "next-auth/react";
import { AppIcon } from "@/components/icons";
import { platformRoleLabels, type PlatformRole } from "@/lib/roles";
import { useDismiss } from "./use-dismiss";

export type MenuUser = { name: string; email: string; platformRole: PlatformRole | null };

function initials(name: string, email: string): string {
  const source = name.trim() || email;
  const parts = source.split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

export function UserMenu({ user }: { user: MenuUser }) {
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const close = useCallback(() => setOpen(false), []);
  useDismiss(ref, open, close);

  async function handleSignOut() {
    setSigningOut(true);
    await signOut({ redirectTo: "/sign-in" });
  }

  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="menu"
        className="flex items-center gap-2 rounded-full py-1 pr-2 pl-1 text-sm text-zinc-700 hover:bg-zinc-100"
      >
        <span className="flex size-8 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-700">{initials(user.name, user.email)}</span>
        <span className="hidden max-w-[12rem] truncate sm:inline">{user.name || user.email}</span>
        <AppIcon name="chevron" className="size-4" />
      </button>
      {open && (
        <div role="menu" className="absolute right-0 z-50 mt-2 w-64 rounded-md bg-white py-1 shadow-lg ring-1 ring-zinc-200">
          <div className="border-b border-zinc-100 px-4 py-3">
            <p className="truncate text-sm font-medium text-zinc-900">{user.name}</p>
            <p className="truncate text-sm text-zinc-500">{user.email}</p>
            {user.platformRole && <p className="mt-1 text-xs text-brand-700">{platformRoleLabels[user.platformRole]}</p>}
          </div>
          {user.platformRole && (
            <Link role="menuitem" href="/admin" className="block px-4 py-2 text-sm text-zinc-700 hover:bg-zinc-50" onClick={close}>
              Provider console
            </Link>
          )}
          <Link role="menuitem" href="/" className="block px-4 py-2 text-sm text-zinc-700 hover:bg-zinc-50" onClick={close}>
            Customer portal
          </Link>
          <button
            role="menuitem"
            type="button"
            onClick={handleSignOut}
            disabled={signingOut}
            className="block w-full px-4 py-2 text-left text-sm text-zinc-700 hover:bg-zinc-50"
          >
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
        </div>
      )}
    </div>
  );
}
