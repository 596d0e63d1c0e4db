// /o/<slug>/usage: not available yet; says so plainly.
import type { Metadata } from "next";
import { AppIcon } from "@/components/icons";
import { Card, EmptyState, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Usage & billing" };

export default function UsagePage() {
  return (
    <>
      <PageHeader title="Usage & billing" description="What your instances use and what it costs." />
      <Card>
        <EmptyState
          icon={<AppIcon name="usage" />}
          title="Nothing to bill yet"
          description="Usage metering and subscriptions arrive with instances in a later release. Until then nothing is charged."
        />
      </Card>
    </>
  );
}
