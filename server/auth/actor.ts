// Who is acting and from where: passed to every domain mutation so it can check rules and write the audit log.
import type { OrgRole } from "@/db/schema";
import type { PlatformRole } from "@/server/rbac/permissions";

export type UserActor = { kind: "user"; userId: string; email: string; name: string; platformRole: PlatformRole | null };
export type ApiKeyActor = { kind: "api_key"; keyId: string; name: string; orgId: string; role: OrgRole };
export type SystemActor = { kind: "system"; name: string };
export type Actor = UserActor | ApiKeyActor | SystemActor;

export type RequestInfo = { ip: string | null; userAgent: string | null; requestId: string };

/** What a domain mutation needs to know about its caller. */
export type ActorContext = { actor: Actor; request: RequestInfo };

export function actorLabel(actor: Actor): string {
  if (actor.kind === "user") return actor.email;
  if (actor.kind === "api_key") return `api key ${actor.name}`;
  return actor.name;
}

export function actorId(actor: Actor): string | null {
  if (actor.kind === "user") return actor.userId;
  if (actor.kind === "api_key") return actor.keyId;
  return null;
}

export const systemContext = (name = "system"): ActorContext => ({
  actor: { kind: "system", name },
  request: { ip: null, userAgent: null, requestId: "system" },
});
