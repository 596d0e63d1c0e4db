// CLI: `npm run kubesim -- [--config kubesim.yaml]` starts the simulated clusters, prints where the
// kubeconfigs are, and stops cleanly (saving state) on SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { loadConfig } from "./config";
import { startKubesim } from "./index";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: "string", short: "c" }, verbose: { type: "boolean", short: "v" } },
    allowPositionals: false,
  });
  const options = await loadConfig(values.config);
  if (values.verbose) options.logRequests = true;
  const sim = await startKubesim(options);
  console.log("kubesim is running");
  for (const c of sim.clusters) console.log(`  ${c.name.padEnd(12)} ${c.region.padEnd(14)} ${c.url}  kubeconfig: ${c.kubeconfigPath}`);
  console.log(`  all contexts: ${sim.kubeconfigPath}`);
  console.log(`  admin API:    ${sim.adminUrl}/_kubesim/clusters`);
  console.log(`try: kubectl --kubeconfig ${sim.clusters[0]!.kubeconfigPath} get nodes`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nkubesim: ${signal}, saving and stopping`);
    sim
      .stop()
      .then(() => process.exit(0))
      .catch((e) => {
        console.error(e);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e) => {
  console.error("kubesim failed to start:", e instanceof Error ? e.message : e);
  process.exit(1);
});
