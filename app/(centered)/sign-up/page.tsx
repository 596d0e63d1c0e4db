// /sign-up: account creation; an invitation link pre-fills the invited email.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { safeCallbackUrl } from "@/lib/format";
import { getMe } from "@/lib/trpc/server";

export const metadata: Metadata = { title: "Create account" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignUpPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getMe()) redirect(callbackUrl);
  const email = typeof params.email === "string" ? params.email.slice(0, 254) : "";
  return <SignUpForm callbackUrl={callbackUrl} initialEmail={email} />;
}
