// After any catalog change, both the admin and the customer view of the catalog are stale.
"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/client";

export function useInvalidateCatalog() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.catalog.adminList.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.catalog.list.queryKey() }),
    ]);
}
