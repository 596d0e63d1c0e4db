// An unknown rollout id inside the provider console: say so and lead back to the list.
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState } from "@/components/ui";

export default function RolloutNotFound() {
  return (
    <Card>
      <EmptyState
        icon={<AppIcon name="rollouts" />}
        title="No rollout here"
        description="This address names no rollout. The link may be incomplete."
        action={<ButtonLink href="/admin/rollouts">All rollouts</ButtonLink>}
      />
    </Card>
  );
}
