// The platform role of the person using the provider console, for hiding what their role cannot do.
"use client";
import { createContext, useContext, type ReactNode } from "react";
import type { PlatformRole } from "@/lib/roles";

const AdminContext = createContext<PlatformRole | null>(null);

export function AdminProvider({ role, children }: { role: PlatformRole; children: ReactNode }) {
  return <AdminContext.Provider value={role}>{children}</AdminContext.Provider>;
}

export function usePlatformRole(): PlatformRole {
  const role = useContext(AdminContext);
  if (!role) throw new Error("usePlatformRole() must be used inside /admin");
  return role;
}
