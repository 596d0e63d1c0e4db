// ESLint flat config: @eslint/js and typescript-eslint recommended rules over the whole repository.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

const nodeGlobals = Object.fromEntries(
  ["process", "console", "Buffer", "URL", "fetch", "setTimeout", "clearTimeout", "setInterval", "clearInterval"].map((g) => [g, "readonly"]),
);

export default defineConfig(
  globalIgnores([".next/", "node_modules/", ".data/", "bench/results/", "db/migrations/", "next-env.d.ts", "test-results/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: nodeGlobals },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
);
