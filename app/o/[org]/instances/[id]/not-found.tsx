// An unknown instance id inside the portal: say so and lead back to the list.
"use client";
import { useParams } from "next/navigation";
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState } from "@/components/ui";

export default function InstanceNotFound() {
  const { org } = useParams<{ org: string }>();
  return (
    <Card>
      <EmptyState
        icon={<AppIcon name="instances" />}
        title="No instance here"
        description="This address names no instance of this organization. It may have been deleted, or the link is incomplete."
        action={<ButtonLink href={`/o/${org}/instances`}>All instances</ButtonLink>}
      />
    </Card>
  );
}
