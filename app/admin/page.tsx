// /admin: the console opens on the catalog, its first working section.
import { redirect } from "next/navigation";

export default function AdminHome() {
  redirect("/admin/catalog");
}
