// The demo seed of `npm start`: a platform admin, a demo customer with an organization, and a catalog of
// two services (a stateless web app and a stateful database) with three plans each. Safe to run on every start.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "./client";
import { plans, services, serviceVersions, users } from "./schema";
import { createUserWithPassword, findUserByEmail } from "@/server/auth/users";
import { createOrganization } from "@/server/orgs/organizations";
import { systemContext } from "@/server/auth/actor";
import { helloWebManifest, postgresManifest } from "./seed/demo-manifests";

export const DEMO_ADMIN_EMAIL = "admin@fleetplane.local";
export const DEMO_CUSTOMER_EMAIL = "demo@fleetplane.local";

type Credential = { label: string; email: string; password: string };

function randomPassword(): string {
  return randomBytes(12).toString("base64url");
}

/** Seeds the catalog (idempotently) and, when they do not exist yet, the demo users; returns new credentials once. */
export async function seedDemo(db: Db): Promise<{ created: boolean; credentials: Credential[] }> {
  await seedCatalog(db);
  if (await findUserByEmail(db, DEMO_ADMIN_EMAIL)) return { created: false, credentials: [] };
  const credentials: Credential[] = [
    { label: "Platform admin", email: DEMO_ADMIN_EMAIL, password: randomPassword() },
    { label: "Demo customer (owner of Demo Co)", email: DEMO_CUSTOMER_EMAIL, password: randomPassword() },
  ];
  const admin = await createUserWithPassword(db, { email: DEMO_ADMIN_EMAIL, name: "Platform Admin", password: credentials[0]!.password });
  await db.update(users).set({ platformRole: "platform_admin" }).where(eq(users.id, admin.id));
  const customer = await createUserWithPassword(db, { email: DEMO_CUSTOMER_EMAIL, name: "Dana Demo", password: credentials[1]!.password });
  await createOrganization(db, { ...systemContext("seed"), actor: { kind: "user", userId: customer.id, email: customer.email, name: "Dana Demo", platformRole: null } }, { name: "Demo Co", slug: "demo-co" });
  return { created: true, credentials };
}

type PlanSeed = Omit<typeof plans.$inferInsert, "serviceId">;

const demoCatalog: {
  service: typeof services.$inferInsert;
  version: Omit<typeof serviceVersions.$inferInsert, "serviceId">;
  plans: PlanSeed[];
}[] = [
  {
    service: { slug: "hello-web", name: "Hello Web", kind: "stateless", description: "A small stateless web app: scales to zero when idle and fails over between clusters." },
    version: { version: "1.0.0", image: "fleetplane/hello-web:1.0.0", manifestTemplate: helloWebManifest, upgradeStrategy: "rolling", isDefault: true },
    plans: [
      { slug: "free", name: "Free", cpuMillis: 100, memoryMb: 128, replicas: 1, scaleToZero: true, idleTimeoutSeconds: 300, free: true, features: ["Scales to zero after 5 idle minutes", "Community support"] },
      { slug: "standard", name: "Standard", cpuMillis: 500, memoryMb: 512, replicas: 2, scaleToZero: true, idleTimeoutSeconds: 1800, priceMonthlyCents: 1900, features: ["2 replicas", "Scales to zero after 30 idle minutes"] },
      { slug: "pro", name: "Pro", cpuMillis: 1000, memoryMb: 2048, replicas: 3, scaleToZero: false, priceMonthlyCents: 7900, features: ["3 replicas spread across nodes", "Always on"] },
    ],
  },
  {
    service: { slug: "postgres", name: "Managed Postgres", kind: "stateful", description: "A PostgreSQL database with persistent storage." },
    version: { version: "16.4.0", image: "postgres:16.4", manifestTemplate: postgresManifest, upgradeStrategy: "rolling", isDefault: true },
    plans: [
      { slug: "hobby", name: "Hobby", cpuMillis: 250, memoryMb: 512, storageGb: 1, replicas: 1, scaleToZero: true, idleTimeoutSeconds: 900, free: true, features: ["1 GiB storage", "Sleeps after 15 idle minutes"] },
      { slug: "business", name: "Business", cpuMillis: 1000, memoryMb: 4096, storageGb: 20, replicas: 1, priceMonthlyCents: 4900, features: ["20 GiB storage", "Always on"] },
      { slug: "enterprise", name: "Enterprise", cpuMillis: 2000, memoryMb: 8192, storageGb: 100, replicas: 2, priceMonthlyCents: 19900, features: ["100 GiB storage", "Standby replica"] },
    ],
  },
];

async function seedCatalog(db: Db): Promise<void> {
  for (const entry of demoCatalog) {
    await db.transaction(async (tx) => {
      await tx.insert(services).values(entry.service).onConflictDoNothing({ target: services.slug });
      const [svc] = await tx.select({ id: services.id }).from(services).where(eq(services.slug, entry.service.slug));
      if (!svc) return;
      await tx.insert(serviceVersions).values({ ...entry.version, serviceId: svc.id }).onConflictDoNothing();
      for (const plan of entry.plans) await tx.insert(plans).values({ ...plan, serviceId: svc.id }).onConflictDoNothing();
    });
  }
}
