// A plain-text "Sign out" action for pages without the user menu.
"use client";
import { signOut } from "next-auth/react";

export function SignOutLink({ redirectTo = "/sign-in", label = "Sign out" }: { redirectTo?: string; label?: string }) {
  return (
    <button type="button" onClick={() => signOut({ redirectTo })} className="font-medium text-brand-700 hover:underline">
      {label}
    </button>
  );
}
