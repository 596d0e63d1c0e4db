// Every customer organization, for platform staff.
"use client";
import { useQuery } from "@tanstack/react-query";
import { AppIcon } from "@/components/icons";
import { Card, EmptyState, ErrorMessage, LoadingBlock, PageHeader, Table, TBody, TD, TH, THead, TR, Time } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";

export function OrganizationsPage() {
  const trpc = useTRPC();
  const orgs = useQuery(trpc.orgs.listAll.queryOptions());
  return (
    <>
      <PageHeader title="Organizations" description="Every customer organization on this Fleetplane." />
      <Card>
        {orgs.isPending ? (
          <LoadingBlock label="Loading organizations" />
        ) : orgs.error ? (
          <ErrorMessage className="m-4" error={orgs.error} />
        ) : orgs.data.length === 0 ? (
          <EmptyState icon={<AppIcon name="orgs" />} title="No organizations yet" description="Organizations appear here as soon as customers sign up and create one." />
        ) : (
          <Table label="Organizations">
            <THead>
              <TR>
                <TH>Name</TH>
                <TH>Address</TH>
                <TH>Members</TH>
                <TH>Created</TH>
              </TR>
            </THead>
            <TBody>
              {orgs.data.map((o) => (
                <TR key={o.id}>
                  <TD className="font-medium text-zinc-900">{o.name}</TD>
                  <TD className="font-mono text-xs">/o/{o.slug}</TD>
                  <TD>{o.members}</TD>
                  <TD className="whitespace-nowrap">
                    <Time value={o.createdAt} mode="date" />
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </Card>
    </>
  );
}
