// Email + password sign-in (and single sign-on when configured), with plain-words errors for wrong passwords and lockouts.
"use client";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { Alert, Button, Card, CardBody, Field, Input } from "@/components/ui";

/** What to say for a failed sign-in, by next-auth's error type and our credentials code. */
export function signInErrorText(error: string | undefined, code: string | undefined): string {
  if (code === "too_many_attempts") return "Too many attempts, try again in a few minutes";
  if (error === "CredentialsSignin" || code === "invalid_credentials") return "Email or password is wrong";
  if (error === "OAuthAccountNotLinked" || error === "AccessDenied") return "Single sign-on refused this account. Use your email and password, or ask your administrator.";
  return "Signing in failed on our side. Try again in a moment.";
}

export function SignInForm({ callbackUrl, oidc, initialError }: { callbackUrl: string; oidc: { name: string } | null; initialError: string | null }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(initialError);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const res = await signIn("credentials", { email, password, redirect: false, redirectTo: callbackUrl });
      if (!res || res.error) {
        setError(signInErrorText(res?.error, res?.code));
        setPending(false);
        return;
      }
      window.location.assign(callbackUrl);
    } catch {
      setError("Could not reach Fleetplane. Check your connection and try again.");
      setPending(false);
    }
  }

  const signUpHref = `/sign-up${callbackUrl !== "/" ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ""}`;
  return (
    <Card>
      <CardBody className="space-y-5 py-6 sm:px-8">
        <div>
          <h1 className="text-xl font-semibold text-zinc-900">Sign in</h1>
          <p className="mt-1 text-sm text-zinc-600">Welcome back. Sign in to manage your organization.</p>
        </div>
        {error && <Alert tone="error">{error}</Alert>}
        <form className="space-y-4" onSubmit={submit}>
          <Field label="Email">
            <Input type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label="Password">
            <Input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          <Button type="submit" className="w-full" loading={pending}>
            Sign in
          </Button>
        </form>
        {oidc && (
          <>
            <div className="flex items-center gap-3 text-xs text-zinc-500">
              <span className="h-px flex-1 bg-zinc-200" />
              or
              <span className="h-px flex-1 bg-zinc-200" />
            </div>
            <Button variant="secondary" className="w-full" onClick={() => signIn("oidc", { redirectTo: callbackUrl })}>
              Continue with {oidc.name}
            </Button>
          </>
        )}
        <p className="text-center text-sm text-zinc-600">
          No account yet?{" "}
          <Link href={signUpHref} className="font-medium text-brand-700 hover:underline">
            Create one
          </Link>
        </p>
      </CardBody>
    </Card>
  );
}
