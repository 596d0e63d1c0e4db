// An unknown cluster id inside the provider console: say so and lead back to the list.
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState } from "@/components/ui";

export default function ClusterNotFound() {
  return (
    <Card>
      <EmptyState
        icon={<AppIcon name="clusters" />}
        title="No cluster here"
        description="This address names no registered cluster. It may have been removed, or the link is incomplete."
        action={<ButtonLink href="/admin/clusters">All clusters</ButtonLink>}
      />
    </Card>
  );
}
