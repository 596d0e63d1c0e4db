// Organization roles as people read them, and what the permission table lets each role do (for hiding buttons).
import type { OrgRole } from "@/db/schema";
import { orgRoleAllows, platformRoleAllows, type Action, type PlatformRole } from "@/server/rbac/permissions";

export type { OrgRole, PlatformRole };

export const ORG_ROLES = ["owner", "admin", "member", "viewer", "billing"] as const satisfies readonly OrgRole[];

export const roleLabels: Record<OrgRole, string> = {
  owner: "Owner",
  admin: "Admin",
  member: "Member",
  viewer: "Viewer",
  billing: "Billing",
};

export const roleDescriptions: Record<OrgRole, string> = {
  owner: "Everything, including renaming the organization and managing owners",
  admin: "Manage members, invitations, API keys and read the audit log",
  member: "Use the organization's services",
  viewer: "Read-only access",
  billing: "Billing and usage",
};

export const platformRoleLabels: Record<PlatformRole, string> = {
  platform_admin: "Platform admin",
  platform_support: "Platform support",
};

/** Whether `role` may perform the org-scoped `action` (the server checks again; this only shapes the UI). */
export function can(role: OrgRole, action: Action): boolean {
  return orgRoleAllows(action, role);
}

export function canPlatform(role: PlatformRole | null | undefined, action: Action): boolean {
  return platformRoleAllows(action, role);
}

/** Roles an actor may hand out: only owners grant the owner role. */
export function assignableRoles(actorRole: OrgRole): OrgRole[] {
  return ORG_ROLES.filter((r) => r !== "owner" || actorRole === "owner");
}
