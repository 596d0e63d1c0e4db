// The organization a portal page is about (resolved from the URL's slug by the layout) and the caller's role in it.
"use client";
import { createContext, useContext, type ReactNode } from "react";
import type { OrgRole } from "@/lib/roles";

/** `viewerId` is the signed-in user, so pages can tell "you" apart in member lists. */
export type CurrentOrg = { id: string; name: string; slug: string; role: OrgRole; viewerId: string };

const OrgContext = createContext<CurrentOrg | null>(null);

export function OrgProvider({ org, children }: { org: CurrentOrg; children: ReactNode }) {
  return <OrgContext.Provider value={org}>{children}</OrgContext.Provider>;
}

export function useOrg(): CurrentOrg {
  const org = useContext(OrgContext);
  if (!org) throw new Error("useOrg() must be used inside /o/[org]");
  return org;
}
