// /admin/fleet: a later release brings this section; the page says so.
import type { Metadata } from "next";
import { ComingSoon } from "@/components/admin/coming-soon";

export const metadata: Metadata = { title: "Fleet" };

export default function Page() {
  return (
    <ComingSoon
      title="Fleet"
      icon="fleet"
      description="Every instance across every cluster."
      note="The fleet view arrives with instances: every customer instance, where it runs and how healthy it is."
    />
  );
}
