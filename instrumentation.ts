// Runs once when the portal server starts: a bad environment stops it at once, naming every bad variable.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { assertEnvOrExit } = await import("./server/env");
    assertEnvOrExit();
  }
}
