// "/": signed-in people go to their first organization (platform staff without one to the console, others to create one); visitors sign in.
import { redirect } from "next/navigation";
import { getMe } from "@/lib/trpc/server";

export default async function HomePage() {
  const me = await getMe();
  if (!me) redirect("/sign-in?callbackUrl=%2F");
  const first = me.organizations[0];
  if (first) redirect(`/o/${first.slug}`);
  redirect(me.user.platformRole ? "/admin" : "/onboarding");
}
