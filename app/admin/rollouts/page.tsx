// /admin/rollouts: a later release brings this section; the page says so.
import type { Metadata } from "next";
import { ComingSoon } from "@/components/admin/coming-soon";

export const metadata: Metadata = { title: "Rollouts" };

export default function Page() {
  return (
    <ComingSoon
      title="Rollouts"
      icon="rollouts"
      description="Version upgrades across the fleet in waves."
      note="Rollouts arrive in a later release: upgrade the fleet to a new service version in controlled waves."
    />
  );
}
