// The whole access policy as one table: every action, who may do it, and why it exists.
import type { OrgRole } from "@/db/schema";

export type PlatformRole = "platform_admin" | "platform_support";

/**
 * Scope says what the caller must be:
 * - public: anyone, even anonymous;
 * - user: any signed-in person (not an API key);
 * - org: a member of the organization named by the input's `orgId` (or an API key of it) with one of `roles`;
 * - platform: provider staff with one of `platformRoles`.
 */
export type Permission =
  | { scope: "public"; description: string }
  | { scope: "user"; description: string }
  | { scope: "org"; roles: readonly OrgRole[]; description: string }
  | { scope: "platform"; platformRoles: readonly PlatformRole[]; description: string };

const all: readonly OrgRole[] = ["owner", "admin", "member", "viewer", "billing"];
const admins: readonly OrgRole[] = ["owner", "admin"];
const staff: readonly PlatformRole[] = ["platform_admin", "platform_support"];

export const permissions = {
  "auth:sign_up": { scope: "public", description: "Create an account with email and password" },
  "account:read": { scope: "user", description: "See one's own account and organizations" },
  "orgs:create": { scope: "user", description: "Create a new organization (the creator becomes its owner)" },
  "invitations:accept": { scope: "user", description: "Join an organization with an invitation link" },
  "invitations:preview": { scope: "public", description: "See which organization an invitation link is for" },
  "catalog:read": { scope: "user", description: "Browse the services and plans on offer" },

  "org:read": { scope: "org", roles: all, description: "See the organization's name and one's own role" },
  "org:update": { scope: "org", roles: ["owner"], description: "Rename the organization" },
  "members:list": { scope: "org", roles: all, description: "See who belongs to the organization" },
  "members:leave": { scope: "org", roles: all, description: "Leave the organization (not as its last owner)" },
  "members:update_role": { scope: "org", roles: admins, description: "Change a member's role (only owners grant or remove owner)" },
  "members:remove": { scope: "org", roles: admins, description: "Remove a member (only owners remove owners)" },
  "invitations:list": { scope: "org", roles: admins, description: "See pending invitations" },
  "invitations:create": { scope: "org", roles: admins, description: "Invite someone by email with a role" },
  "invitations:revoke": { scope: "org", roles: admins, description: "Cancel a pending invitation" },
  "apikeys:list": { scope: "org", roles: admins, description: "See the organization's API keys (never their secrets)" },
  "apikeys:create": { scope: "org", roles: admins, description: "Create an API key acting with a role; the secret is shown once" },
  "apikeys:revoke": { scope: "org", roles: admins, description: "Revoke an API key at once" },
  "webhooks:read": { scope: "org", roles: admins, description: "See the organization's webhooks (never their secrets) and their recent deliveries" },
  "webhooks:manage": { scope: "org", roles: admins, description: "Add, enable, disable, test or delete webhooks; a new webhook's signing secret is shown once" },
  "instances:read": { scope: "org", roles: all, description: "See instances, their state, runs and events" },
  "instances:create": { scope: "org", roles: ["owner", "admin", "member"], description: "Create an instance of a plan" },
  "instances:manage": { scope: "org", roles: ["owner", "admin", "member"], description: "Scale, stop, start, restart, upgrade, sleep, wake or pin awake an instance, or change its plan" },
  "instances:delete": { scope: "org", roles: ["owner", "admin", "member"], description: "Delete an instance (its data goes with it)" },
  "instances:credentials": { scope: "org", roles: ["owner", "admin", "member"], description: "See an instance's generated credentials, once" },
  "workflows:read": { scope: "org", roles: ["owner", "admin", "member", "viewer"], description: "See the organization's workflow runs step by step" },
  "workflows:control": { scope: "org", roles: ["owner", "admin", "member"], description: "Pause, resume, retry or cancel the organization's runs" },
  "audit:read": { scope: "org", roles: admins, description: "Page through the organization's audit log" },
  "incidents:read": { scope: "org", roles: all, description: "See incidents of the organization's instances and what recovery did" },
  "usage:read": { scope: "org", roles: all, description: "See usage by day and by instance with the cost estimate, and whether billing needs attention" },
  "billing:read": { scope: "org", roles: ["owner", "admin", "billing"], description: "See the subscription, billing period and invoices" },
  "billing:manage": { scope: "org", roles: ["owner", "billing"], description: "Subscribe through Stripe Checkout and manage payment in the Stripe Customer Portal" },
  "maintenance:read": { scope: "org", roles: all, description: "See the organization's maintenance windows and upgrade notices" },
  "maintenance:manage": { scope: "org", roles: admins, description: "Set the maintenance windows rollouts must respect" },

  "platform_incidents:read": { scope: "platform", platformRoles: staff, description: "See every incident in the fleet with its timeline" },
  "platform_incidents:manage": { scope: "platform", platformRoles: ["platform_admin"], description: "Acknowledge incidents, add notes, stop or trigger automatic recovery" },
  "platform_billing:read": { scope: "platform", platformRoles: staff, description: "See usage and revenue per organization and plan" },
  "platform_audit:read": { scope: "platform", platformRoles: staff, description: "Read the audit log of every organization" },
  "platform_orgs:read": { scope: "platform", platformRoles: staff, description: "List every organization" },
  "catalog:read_admin": { scope: "platform", platformRoles: staff, description: "See the whole catalog, archived entries and manifests included" },
  "catalog:manage": { scope: "platform", platformRoles: ["platform_admin"], description: "Create and change services, versions and plans" },
  "clusters:read": { scope: "platform", platformRoles: staff, description: "See clusters, their nodes, utilisation and placement decisions" },
  "clusters:manage": { scope: "platform", platformRoles: ["platform_admin"], description: "Register, cordon, uncordon, resync and remove clusters" },
  "fleet:read": { scope: "platform", platformRoles: staff, description: "See every instance and workflow run in the fleet" },
  "fleet:manage": { scope: "platform", platformRoles: ["platform_admin"], description: "Steer any run, hold a workflow type, move instances between clusters" },
  "rollouts:read": { scope: "platform", platformRoles: staff, description: "See rollouts, their waves and every instance's upgrade" },
  "rollouts:manage": { scope: "platform", platformRoles: ["platform_admin"], description: "Start, pause, resume, abort and roll back rollouts of a version" },
  "placement:plan": { scope: "platform", platformRoles: staff, description: "Ask what-if capacity questions and see rebalancing proposals" },
} as const satisfies Record<string, Permission>;

export type Action = keyof typeof permissions;

export function getPermission(action: Action): Permission {
  return permissions[action];
}

/** Whether an organization role may perform an org-scoped action. */
export function orgRoleAllows(action: Action, role: OrgRole): boolean {
  const p = getPermission(action);
  return p.scope === "org" && p.roles.includes(role);
}

/** Whether a platform role may perform a platform-scoped action. */
export function platformRoleAllows(action: Action, role: PlatformRole | null | undefined): boolean {
  const p = getPermission(action);
  return p.scope === "platform" && !!role && p.platformRoles.includes(role);
}
