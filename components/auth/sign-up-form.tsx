// Account creation: calls auth.signUp, then signs in with the same credentials; errors appear under their fields.
"use client";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { signIn } from "next-auth/react";
import { Alert, Button, Card, CardBody, ErrorMessage, Field, Input } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf, formErrorMessage } from "@/lib/trpc/errors";
import { signInErrorText } from "./sign-in-form";

export function SignUpForm({ callbackUrl, initialEmail }: { callbackUrl: string; initialEmail: string }) {
  const trpc = useTRPC();
  const [name, setName] = useState("");
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [signInError, setSignInError] = useState<string | null>(null);
  const signUp = useMutation(trpc.auth.signUp.mutationOptions());
  const [signingIn, setSigningIn] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSignInError(null);
    try {
      await signUp.mutateAsync({ name, email, password });
    } catch {
      return; // shown from signUp.error
    }
    setSigningIn(true);
    const res = await signIn("credentials", { email, password, redirect: false, redirectTo: callbackUrl }).catch(() => undefined);
    if (!res || res.error) {
      setSigningIn(false);
      setSignInError(`Your account was created, but signing in failed: ${signInErrorText(res?.error, res?.code)}.`);
      return;
    }
    window.location.assign(callbackUrl);
  }

  const errors = fieldErrorsOf(signUp.error);
  const signInHref = `/sign-in${callbackUrl !== "/" ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ""}`;
  return (
    <Card>
      <CardBody className="space-y-5 py-6 sm:px-8">
        <div>
          <h1 className="text-xl font-semibold text-zinc-900">Create your account</h1>
          <p className="mt-1 text-sm text-zinc-600">Then create an organization or accept an invitation.</p>
        </div>
        <ErrorMessage error={formErrorMessage(signUp.error, ["name", "email", "password"])} />
        {signInError && <Alert tone="error">{signInError}</Alert>}
        <form className="space-y-4" onSubmit={submit} noValidate>
          <Field label="Name" error={errors.name}>
            <Input name="name" autoComplete="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Email" error={errors.email}>
            <Input type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label="Password" error={errors.password} hint="At least 10 characters.">
            <Input type="password" name="password" autoComplete="new-password" required minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          <Button type="submit" className="w-full" loading={signUp.isPending || signingIn}>
            Create account
          </Button>
        </form>
        <p className="text-center text-sm text-zinc-600">
          Already have an account?{" "}
          <Link href={signInHref} className="font-medium text-brand-700 hover:underline">
            Sign in
          </Link>
        </p>
      </CardBody>
    </Card>
  );
}
