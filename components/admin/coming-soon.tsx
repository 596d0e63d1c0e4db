// An honest placeholder for a console section that a later release brings.
import { AppIcon, type IconName } from "@/components/icons";
import { Card, EmptyState, PageHeader } from "@/components/ui";

export function ComingSoon({ title, description, icon, note }: { title: string; description: string; icon: IconName; note: string }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Card>
        <EmptyState icon={<AppIcon name={icon} />} title={`${title} are not available yet`} description={note} />
      </Card>
    </>
  );
}
