// An unknown run id inside the provider console: say so and lead back to the list.
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState } from "@/components/ui";

export default function RunNotFound() {
  return (
    <Card>
      <EmptyState
        icon={<AppIcon name="workflows" />}
        title="No run here"
        description="This address names no workflow run. The link may be incomplete."
        action={<ButtonLink href="/admin/workflows">All runs</ButtonLink>}
      />
    </Card>
  );
}
