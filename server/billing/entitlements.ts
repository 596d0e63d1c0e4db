// What an organization may run given its billing: free plans always (unless suspended), paid plans only with an
// active or grace-period subscription, nothing new while suspended.
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { billingAccounts } from "@/db/schema";
import { DomainError } from "@/server/errors/domain-error";

async function accountStatus(tx: DbOrTx, orgId: string) {
  const [row] = await tx.select({ status: billingAccounts.status }).from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row?.status ?? "none";
}

/** Throws PAYMENT_REQUIRED when the organization is suspended for non-payment. */
export async function assertNotSuspended(tx: DbOrTx, orgId: string): Promise<void> {
  if ((await accountStatus(tx, orgId)) === "suspended") {
    throw new DomainError("PAYMENT_REQUIRED", "Your organization is suspended for non-payment: pay the open invoice in Usage & billing to resume");
  }
}

/**
 * Throws PAYMENT_REQUIRED unless the organization may use `plan` now. `status`: the billing account's status when the
 * caller read it already (null: no account), in the same transaction.
 */
export async function assertEntitled(tx: DbOrTx, orgId: string, plan: { free: boolean; name: string }, status: string | null | undefined = undefined): Promise<void> {
  status = status === undefined ? await accountStatus(tx, orgId) : (status ?? "none");
  if (status === "suspended") await assertNotSuspended(tx, orgId);
  if (plan.free) return;
  // past_due keeps paid plans during the grace period: the customer is fixing the payment.
  if (status !== "active" && status !== "past_due") {
    throw new DomainError("PAYMENT_REQUIRED", `The ${plan.name} plan needs a subscription: subscribe in Usage & billing, or choose a free plan`, { field: "planId" });
  }
}
