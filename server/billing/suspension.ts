// Suspension for non-payment and resumption: when the grace period after a failed payment ends, the organization
// is suspended and its instances are stopped by workflow; when it pays, those instances start again. Both are
// converged from the account's status, so a crash anywhere is repaired by the next pass.
import { and, eq, isNull, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { billingAccounts, instances } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { log } from "@/server/log";
import { deliverMail, enqueueMail } from "@/server/mail/send-mail";
import { startInstance, stopInstance } from "@/server/instances/instances";
import { billingContacts } from "./billing-accounts";
import { recordAccountTransition } from "./account-sync";

const ctx = systemContext("billing");

/** Suspends every past-due organization whose grace period ended by `now`; returns their ids. */
export async function enforceGracePeriods(db: Db, now: Date = new Date()): Promise<string[]> {
  const due = await db
    .select({ orgId: billingAccounts.orgId })
    .from(billingAccounts)
    .where(and(eq(billingAccounts.status, "past_due"), lte(billingAccounts.graceUntil, now)));
  const suspended: string[] = [];
  for (const { orgId } of due) {
    const mails: string[] = [];
    const changed = await db.transaction(async (tx) => {
      const [account] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId)).for("update");
      if (account?.status !== "past_due" || !account.graceUntil || account.graceUntil > now) return false;
      await tx.update(billingAccounts).set({ status: "suspended", suspendedAt: now, updatedAt: now }).where(eq(billingAccounts.orgId, orgId));
      await recordAccountTransition(tx, orgId, "past_due", "suspended", account.graceUntil);
      for (const to of await billingContacts(tx, orgId)) {
        mails.push(
          await enqueueMail(tx, {
            to,
            subject: "Your organization is suspended for non-payment",
            text: "The grace period after your failed payment has ended. Your instances are being stopped (their data is kept) and cannot be started or woken until the open invoice is paid. Pay it in Usage & billing → Manage billing; everything resumes automatically.",
          }),
        );
      }
      return true;
    });
    for (const id of mails) await deliverMail(db, id);
    if (changed) {
      suspended.push(orgId);
      await convergeBillingState(db, orgId);
    }
  }
  return suspended;
}

/**
 * Makes the organization's instances match its billing status: suspended → stop every instance that should run
 * (flagged, so resumption knows which to start); otherwise → start the flagged ones and clear the flag.
 */
export async function convergeBillingState(db: Db, orgId: string): Promise<{ stopped: number; started: number }> {
  const [account] = await db.select({ status: billingAccounts.status }).from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  const suspended = account?.status === "suspended";
  let stopped = 0;
  let started = 0;
  if (suspended) {
    const running = await db
      .select({ id: instances.id })
      .from(instances)
      .where(and(eq(instances.orgId, orgId), isNull(instances.deletedAt), eq(instances.desiredState, "running")));
    for (const { id } of running) {
      // Flag first: a crash after this still stops it on the next pass, and resumption still finds it.
      await db.update(instances).set({ stoppedForBilling: true }).where(eq(instances.id, id));
      try {
        await stopInstance(db, ctx, orgId, id);
        stopped++;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
      }
    }
  } else {
    const flagged = await db
      .select({ id: instances.id, desiredState: instances.desiredState })
      .from(instances)
      .where(and(eq(instances.orgId, orgId), isNull(instances.deletedAt), eq(instances.stoppedForBilling, true)));
    for (const row of flagged) {
      if (row.desiredState === "stopped") {
        try {
          await startInstance(db, ctx, orgId, row.id);
          started++;
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          log.warn("billing", "could not start an instance after payment", { instance: row.id, error: err.message });
        }
      }
      await db.update(instances).set({ stoppedForBilling: false }).where(eq(instances.id, row.id));
    }
  }
  return { stopped, started };
}

/** Converges every organization that is suspended or has flagged instances (the periodic safety net). */
export async function convergeAllBillingStates(db: Db): Promise<void> {
  const suspended = await db.select({ orgId: billingAccounts.orgId }).from(billingAccounts).where(eq(billingAccounts.status, "suspended"));
  const flagged = await db.selectDistinct({ orgId: instances.orgId }).from(instances).where(and(eq(instances.stoppedForBilling, true), isNull(instances.deletedAt)));
  for (const orgId of new Set([...suspended, ...flagged].map((r) => r.orgId))) await convergeBillingState(db, orgId);
}
