// Tells people about incidents: email to the organization's owners and admins (outbox) and signed webhooks to the
// organization's endpoints. Called after the incident change is written.
import type { Db } from "@/db/client";
import type { incidents } from "@/db/schema";

export type IncidentNotice = "opened" | "escalated" | "resolved";

export async function notifyIncident(_db: Db, _incident: typeof incidents.$inferSelect, _notice: IncidentNotice, _message: string): Promise<void> {
  // Filled in with email (outbox) and webhooks.
}
