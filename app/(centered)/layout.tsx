// A centred column with the brand on top: sign-in, sign-up, onboarding and invitation pages.
import Link from "next/link";
import type { ReactNode } from "react";
import { AppIcon } from "@/components/icons";

export default function CenteredLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center px-4 py-10 sm:py-16">
      <Link href="/" className="mb-8 flex items-center gap-2 text-lg font-semibold text-zinc-900">
        <span className="flex size-8 items-center justify-center rounded-md bg-brand-600 text-white">
          <AppIcon name="logo" className="size-5" />
        </span>
        Fleetplane
      </Link>
      <main className="w-full max-w-md">{children}</main>
    </div>
  );
}
