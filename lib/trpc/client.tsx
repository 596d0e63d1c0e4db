"use client";
// The browser's tRPC client: batched HTTP to /api/trpc with superjson, one react-query cache per browser session.
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { errorCode, httpStatusOf } from "./errors";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** A session that ended while a page was open: send the person to sign in, then back here. */
function redirectToSignInOnUnauthorized(error: unknown) {
  if (typeof window === "undefined" || errorCode(error) !== "UNAUTHORIZED") return;
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/sign-in?callbackUrl=${encodeURIComponent(back)}`);
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: redirectToSignInOnUnauthorized }),
    mutationCache: new MutationCache({ onError: redirectToSignInOnUnauthorized }),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // Retrying a refusal (4xx) cannot help; retry only network and server failures, twice.
        retry: (failureCount, error) => failureCount < 2 && (httpStatusOf(error) ?? 500) >= 500,
      },
    },
  });
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: "/api/trpc", transformer: superjson })],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
