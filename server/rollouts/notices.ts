// Telling customers ahead of a rollout: one portal notice per organization with instances in it, and an email
// (outbox) to its owners and admins, sent once however often the announcing step runs.
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { organizations, rollouts, rolloutTargets, serviceVersions, services, upgradeNotices } from "@/db/schema";
import { getEnv } from "@/server/env";
import { deliverMail, enqueueMail } from "@/server/mail/send-mail";
import { incidentContacts } from "@/server/notifications/incident-notifications";
import { describeWindows, getMaintenanceWindows } from "./maintenance-windows";

/** Creates the notices (and emails) of a rollout for every organization it touches; idempotent. */
export async function announceRollout(db: Db, rolloutId: string): Promise<{ notified: number }> {
  const [head] = await db
    .select({ r: rollouts, service: services, version: serviceVersions })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(serviceVersions, eq(serviceVersions.id, rollouts.toVersionId))
    .where(eq(rollouts.id, rolloutId));
  if (!head) return { notified: 0 };
  const orgs = await db
    .select({ orgId: rolloutTargets.orgId, slug: organizations.slug, n: sql<number>`count(*)::int` })
    .from(rolloutTargets)
    .innerJoin(organizations, eq(organizations.id, rolloutTargets.orgId))
    .where(eq(rolloutTargets.rolloutId, rolloutId))
    .groupBy(rolloutTargets.orgId, organizations.slug);
  const mails: string[] = [];
  let notified = 0;
  for (const org of orgs) {
    const windows = await getMaintenanceWindows(db, org.orgId);
    const { title, body } = noticeText(head, org.n, head.r.respectMaintenanceWindows ? describeWindows(windows) : "as soon as its wave comes (this release does not wait for maintenance windows)");
    await db.transaction(async (tx) => {
      const [created] = await tx.insert(upgradeNotices).values({ orgId: org.orgId, rolloutId, title, body }).onConflictDoNothing().returning({ id: upgradeNotices.id });
      if (!created) return;
      notified++;
      const url = `${getEnv().APP_URL}/o/${org.slug}/instances`;
      for (const to of await incidentContacts(tx, org.orgId)) mails.push(await enqueueMail(tx, { to, subject: `[Fleetplane] ${title}`, text: `${body}\n\nSee your instances: ${url}` }));
    });
  }
  for (const id of mails) await deliverMail(db, id);
  return { notified };
}

type Head = { r: typeof rollouts.$inferSelect; service: typeof services.$inferSelect; version: typeof serviceVersions.$inferSelect };

function noticeText(head: Head, count: number, when: string): { title: string; body: string } {
  const { service, version, r } = head;
  const what = `${service.name} ${version.version}`;
  const title = version.mandatory ? `Security update ${what} for ${count} instance${count === 1 ? "" : "s"}` : `${what} is coming to ${count} instance${count === 1 ? "" : "s"}`;
  const lines = [
    `${what} will be rolled out to ${count} of your instance${count === 1 ? "" : "s"}, starting ${r.startsAt.toISOString().slice(0, 16).replace("T", " ")} UTC, during your maintenance windows: ${when}.`,
    version.mandatory
      ? `This is a mandatory security patch: you may upgrade now or defer it, but not past ${version.deadlineAt ? version.deadlineAt.toISOString().slice(0, 16).replace("T", " ") + " UTC" : "the rollout"}; then it is applied regardless of windows.`
      : "You may upgrade an instance now from its page, or defer the upgrade.",
  ];
  if (version.releaseNotes.trim()) lines.push("", "Release notes:", version.releaseNotes.trim());
  return { title, body: lines.join("\n") };
}

/** The organization's notices not yet dismissed, newest first. */
export async function listUpgradeNotices(db: Db, orgId: string) {
  return db
    .select({ id: upgradeNotices.id, title: upgradeNotices.title, body: upgradeNotices.body, createdAt: upgradeNotices.createdAt, rolloutId: upgradeNotices.rolloutId })
    .from(upgradeNotices)
    .where(and(eq(upgradeNotices.orgId, orgId), isNull(upgradeNotices.dismissedAt)))
    .orderBy(desc(upgradeNotices.createdAt))
    .limit(20);
}

export async function dismissUpgradeNotice(db: Db, orgId: string, noticeId: string): Promise<void> {
  await db.update(upgradeNotices).set({ dismissedAt: new Date() }).where(and(eq(upgradeNotices.id, noticeId), eq(upgradeNotices.orgId, orgId)));
}
