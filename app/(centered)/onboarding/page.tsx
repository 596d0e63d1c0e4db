// /onboarding: a signed-in person without an organization creates their first one.
import type { Metadata } from "next";
import Link from "next/link";
import { CreateOrgForm } from "@/components/org/create-org-form";
import { RedirectToSignIn } from "@/components/auth/redirect-to-sign-in";
import { SignOutLink } from "@/components/auth/sign-out-link";
import { Card, CardBody } from "@/components/ui";
import { getMe } from "@/lib/trpc/server";

export const metadata: Metadata = { title: "Create your organization" };

export default async function OnboardingPage() {
  const me = await getMe();
  if (!me) return <RedirectToSignIn />;
  const first = me.organizations.length === 0;
  return (
    <div className="space-y-4">
      <Card>
        <CardBody className="space-y-5 py-6 sm:px-8">
          <div>
            <h1 className="text-xl font-semibold text-zinc-900">{first ? "Create your first organization" : "Create an organization"}</h1>
            <p className="mt-1 text-sm text-zinc-600">
              An organization holds your team, API keys and, soon, your instances. You become its owner and can invite others.
            </p>
          </div>
          <CreateOrgForm />
        </CardBody>
      </Card>
      <p className="text-center text-sm text-zinc-600">
        Signed in as {me.user.email}.{" "}
        {first ? (
          <>Waiting for an invitation? Open the link from your email. </>
        ) : (
          <Link href="/" className="font-medium text-brand-700 hover:underline">
            Back to your organizations.
          </Link>
        )}{" "}
        <SignOutLink />
      </p>
    </div>
  );
}
