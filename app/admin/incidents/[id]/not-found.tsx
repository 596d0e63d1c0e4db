// An unknown incident id inside the provider console: say so and lead back to the list.
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState } from "@/components/ui";

export default function IncidentNotFound() {
  return (
    <Card>
      <EmptyState
        icon={<AppIcon name="incidents" />}
        title="No incident here"
        description="This address names no incident. The link may be incomplete."
        action={<ButtonLink href="/admin/incidents">All incidents</ButtonLink>}
      />
    </Card>
  );
}
