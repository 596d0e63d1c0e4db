// Sends a signed-out visitor to sign in, with the exact page (path and query) to come back to.
"use client";
import { useEffect } from "react";
import Link from "next/link";

export function RedirectToSignIn() {
  useEffect(() => {
    const back = window.location.pathname + window.location.search;
    window.location.replace(`/sign-in?callbackUrl=${encodeURIComponent(back)}`);
  }, []);
  return (
    <main className="flex min-h-screen items-center justify-center p-6 text-sm text-zinc-600">
      <p>
        You are signed out. Taking you to <Link className="font-medium text-brand-700 underline" href="/sign-in">sign in</Link>…
      </p>
    </main>
  );
}
