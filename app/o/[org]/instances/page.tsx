// /o/<slug>/instances: not available yet; says so plainly.
import type { Metadata } from "next";
import { AppIcon } from "@/components/icons";
import { ButtonLink, Card, EmptyState, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Instances" };

export default async function InstancesPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  return (
    <>
      <PageHeader title="Instances" description="The services your organization runs." />
      <Card>
        <EmptyState
          icon={<AppIcon name="instances" />}
          title="Provisioning is not available yet"
          description="Instances arrive in a later release: you will pick a service and a plan here, and Fleetplane will place, run and watch it for you."
          action={
            <ButtonLink variant="secondary" href={`/o/${org}/members`}>
              Set up your team meanwhile
            </ButtonLink>
          }
        />
      </Card>
    </>
  );
}
