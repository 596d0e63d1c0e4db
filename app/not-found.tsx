// Shown for any unknown address, including organizations the visitor does not belong to.
import Link from "next/link";
import { buttonClasses } from "@/components/ui";

export default function NotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-brand-600">404</p>
        <h1 className="mt-2 text-2xl font-semibold text-zinc-900">Page not found</h1>
        <p className="mt-2 text-sm text-zinc-600">
          There is nothing at this address. If you followed a link to an organization, it may not exist or you may not be a member of it.
        </p>
        <Link href="/" className={buttonClasses("primary", "md", "mt-6")}>
          Go to your organizations
        </Link>
      </div>
    </main>
  );
}
