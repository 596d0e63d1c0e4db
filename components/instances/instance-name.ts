// The instance name rule, checked in the browser the same way the server checks it (server/instances/instances.ts).

export const INSTANCE_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/;
export const REGION_PATTERN = /^[a-z0-9-]{2,40}$/;

/** Why a name is not accepted, in plain words, or null when it is fine. */
export function instanceNameProblem(raw: string): string | null {
  const name = raw.trim().toLowerCase();
  if (!name) return "Give the instance a name.";
  if (name.length > 30) return `Use at most 30 characters (this one has ${name.length}).`;
  if (!/^[a-z]/.test(name)) return "Start the name with a letter.";
  if (/[^-a-z0-9]/.test(name)) return "Use only lowercase letters, digits and dashes.";
  if (name.endsWith("-")) return "End the name with a letter or a digit, not a dash.";
  return INSTANCE_NAME_PATTERN.test(name) ? null : "Use 1–30 lowercase letters, digits and dashes, starting with a letter.";
}

export function regionProblem(raw: string): string | null {
  const region = raw.trim();
  if (!region) return "Type a region code, or choose “Any region”.";
  return REGION_PATTERN.test(region) ? null : "A region code has 2–40 lowercase letters, digits and dashes, like eu-west-1.";
}

/** A name to start from: the service's slug and a short random suffix. */
export function suggestName(serviceSlug: string): string {
  const base = serviceSlug.replace(/[^-a-z0-9]/g, "").replace(/^[^a-z]+/, "").slice(0, 24).replace(/-+$/, "") || "instance";
  const suffix = Math.random().toString(36).slice(2, 6).replace(/[^a-z0-9]/g, "x");
  return `${base}-${suffix}`;
}
