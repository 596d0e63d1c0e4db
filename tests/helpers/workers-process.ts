// Test helper for chaos tests: the workers process (workers/main.ts) as a child that can be SIGKILLed and started
// again, with the tail of its output kept for failure messages.
import { spawn, type ChildProcess } from "node:child_process";

export class WorkersProcess {
  private child: ChildProcess | undefined;
  /** The last 20,000 characters it printed (cleared by `clearOutput`). */
  output = "";

  start(): void {
    const child = spawn(process.execPath, ["--import", "tsx", "workers/main.ts"], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (this.output = (this.output + d).slice(-20_000)));
    child.stderr!.on("data", (d) => (this.output = (this.output + d).slice(-20_000)));
    this.child = child;
  }

  /** Waits (up to `timeoutMs`) until it logged that it is ready, then forgets its output so far. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const readyBy = Date.now() + timeoutMs;
    while (!this.output.includes("workers ready") && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 50));
    this.output = "";
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
}
