// Vitest config for kubesim's own tests alone (no database or Redis global setup needed).
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname, "..") } },
  test: {
    root: path.resolve(import.meta.dirname, ".."),
    include: ["tests/integration/kubesim/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
