// Outgoing mail: every message is written to the outbox table (in the caller's transaction), then
// delivered through SMTP when SMTP_URL is set, or written to the log when it is not.
import { eq } from "drizzle-orm";
import type { DbOrTx, Db } from "@/db/client";
import { outboxEmails } from "@/db/schema";
import { getEnv } from "@/server/env";
import { log } from "@/server/log";

export type Mail = { to: string; subject: string; text: string };

/** Queues a message in the outbox inside the caller's transaction; returns its id for `deliverMail`. */
export async function enqueueMail(tx: DbOrTx, mail: Mail): Promise<string> {
  const [row] = await tx.insert(outboxEmails).values(mail).returning({ id: outboxEmails.id });
  if (!row) throw new Error("insert returned nothing");
  return row.id;
}

/** Delivers a queued message once its transaction has committed. Failures stay in the outbox with the error. */
export async function deliverMail(db: Db, id: string): Promise<void> {
  const [mail] = await db.select().from(outboxEmails).where(eq(outboxEmails.id, id));
  if (!mail || mail.sent) return;
  const env = getEnv();
  try {
    if (env.SMTP_URL) {
      const nodemailer = await import("nodemailer");
      await nodemailer.createTransport(env.SMTP_URL).sendMail({ from: env.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text });
    } else {
      log.info("mail", `outbox (no SMTP_URL): to ${mail.to}: ${mail.subject}`, { text: mail.text });
    }
    await db.update(outboxEmails).set({ sent: true, error: null }).where(eq(outboxEmails.id, id));
  } catch (err) {
    log.error("mail", "delivery failed", { id, error: String(err) });
    await db.update(outboxEmails).set({ error: String(err).slice(0, 500) }).where(eq(outboxEmails.id, id));
  }
}
