// Steering any run from the provider console (fleet:manage), refreshing the lists and the run afterwards.
"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { RunActions } from "@/components/workflows/run-controls";
import { useTRPC } from "@/lib/trpc/client";

export const steerReason = "Only platform admins can pause, resume, retry or cancel runs";

export function useFleetRunActions(runId: string): RunActions {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pause = useMutation(trpc.fleet.pauseRun.mutationOptions());
  const resume = useMutation(trpc.fleet.resumeRun.mutationOptions());
  const retry = useMutation(trpc.fleet.retryRun.mutationOptions());
  const cancel = useMutation(trpc.fleet.cancelRun.mutationOptions());
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.fleet.runs.infiniteQueryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.fleet.run.queryKey({ runId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.fleet.instances.queryKey() }),
    ]);
  const then = async (p: Promise<unknown>) => {
    await p;
    await refresh();
  };
  return {
    pause: () => then(pause.mutateAsync({ runId })),
    resume: () => then(resume.mutateAsync({ runId })),
    retry: () => then(retry.mutateAsync({ runId })),
    cancel: () => then(cancel.mutateAsync({ runId })),
  };
}
