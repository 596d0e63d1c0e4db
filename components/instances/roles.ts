// Why a role cannot do something on the instance pages: the tooltip of a disabled button.
import { roleLabels, type OrgRole } from "@/lib/roles";

export function notAllowedReason(role: OrgRole, what: string): string {
  return `Your role (${roleLabels[role]}) cannot ${what}; owners, admins and members can`;
}
