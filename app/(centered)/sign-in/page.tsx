// /sign-in: the sign-in form; people already signed in go straight on.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm, signInErrorText } from "@/components/auth/sign-in-form";
import { safeCallbackUrl } from "@/lib/format";
import { getMe } from "@/lib/trpc/server";
import { signInMethods } from "@/server/auth/next-auth";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await getMe()) redirect(callbackUrl);
  // next-auth sends failed single sign-on attempts back here with ?error=…&code=…
  const error = typeof params.error === "string" ? signInErrorText(params.error, typeof params.code === "string" ? params.code : undefined) : null;
  return <SignInForm callbackUrl={callbackUrl} oidc={signInMethods().oidc} initialError={error} />;
}
