// Browser end-to-end tests: the built app (`npm run build` first) driven by Debian's Chromium, one fresh database per file.
import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    setupFiles: ["tests/helpers/setup-file.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Each file starts its own server and browser; on two cores, one at a time.
    fileParallelism: false,
    maxWorkers: 1,
  },
});
