// What a section says to a role that may not see it (the navigation hides it, but links can be shared).
import { Card, EmptyState } from "@/components/ui";

export function NotAllowed({ what, who = "owners and admins" }: { what: string; who?: string }) {
  return (
    <Card>
      <EmptyState title={`Only ${who} can see ${what}`} description={`Your role does not include ${what}. Ask an owner of the organization if you need access.`} />
    </Card>
  );
}
