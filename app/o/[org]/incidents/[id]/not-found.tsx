// An unknown incident id inside the portal: say so and lead back to the list.
"use client";
import { useParams } from "next/navigation";
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState } from "@/components/ui";

export default function IncidentNotFound() {
  const { org } = useParams<{ org: string }>();
  return (
    <Card>
      <EmptyState
        icon={<AppIcon name="incidents" />}
        title="No incident here"
        description="This address names no incident of this organization's instances. The link may be incomplete."
        action={<ButtonLink href={`/o/${org}/incidents`}>All incidents</ButtonLink>}
      />
    </Card>
  );
}
