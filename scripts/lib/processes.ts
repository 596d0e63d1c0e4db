// Child processes of `npm start`: spawned with prefixed output, stopped together (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess } from "node:child_process";
import { pipeLines, say } from "./output";

/** Environment of a child (plain strings: Next's types make NODE_ENV read-only on process.env). */
export type ChildEnv = Record<string, string | undefined>;

export type ExitInfo = { name: string; code: number | null; signal: NodeJS.Signals | null };

type Managed = { name: string; child: ChildProcess; exited: Promise<ExitInfo>; done: boolean };

/**
 * Runs children. Each gets its own process group, so a terminal Ctrl-C reaches only this supervisor,
 * which then stops the children in order (apps before Redis); SIGKILL goes to the whole group so no
 * grandchild survives.
 */
export class Supervisor {
  private readonly children: Managed[] = [];
  private stopping = false;

  /** Called when a child exits while the supervisor is not stopping. */
  constructor(private readonly onUnexpectedExit: (info: ExitInfo) => void) {}

  /** Starts a long-lived child; its exit outside `stopAll` is reported as unexpected. */
  spawn(name: string, command: string, args: string[], env: ChildEnv): ChildProcess {
    return this.start(name, command, args, env, true).child;
  }

  /** Runs a command to completion (a build, say) with prefixed output; resolves with its exit code. */
  async run(name: string, command: string, args: string[], env: ChildEnv): Promise<number> {
    const info = await this.start(name, command, args, env, false).exited;
    return info.code ?? 128;
  }

  private start(name: string, command: string, args: string[], env: ChildEnv, longLived: boolean, cwd = process.cwd()): Managed {
    const child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    pipeLines(name, child.stdout, process.stdout);
    pipeLines(name, child.stderr, process.stderr);
    const managed: Managed = {
      name,
      child,
      done: false,
      exited: new Promise<ExitInfo>((resolve) => {
        const finish = (info: ExitInfo) => {
          if (managed.done) return;
          managed.done = true;
          if (longLived && !this.stopping) this.onUnexpectedExit(info);
          resolve(info);
        };
        child.on("error", (err) => {
          say(name, `could not start ${command}: ${err.message}`, process.stderr);
          finish({ name, code: 127, signal: null });
        });
        child.on("exit", (code, sig) => finish({ name, code, signal: sig }));
      }),
    };
    this.children.push(managed);
    return managed;
  }

  /** Whether any child is still running. */
  get hasRunning(): boolean {
    return this.children.some((c) => !c.done);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /**
   * Stops running children (all but `except`, which stay for a later call: Redis outlives the workers),
   * in parallel: SIGTERM to each, SIGKILL to each group still alive after `graceMs`.
   */
  async stopAll(graceMs = 10_000, except: string[] = []): Promise<void> {
    this.stopping = true;
    const targets = this.children.filter((c) => !c.done && !except.includes(c.name));
    await Promise.all(
      targets.map(async (c) => {
        signal(c.child, "SIGTERM", false);
        const timer = setTimeout(() => {
          say(c.name, `still running after ${graceMs / 1000}s: killing`, process.stderr);
          signal(c.child, "SIGKILL", true);
        }, graceMs);
        await c.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Last resort from a synchronous `exit` handler or a second Ctrl-C: kill every group now. */
  killAllNow(): void {
    this.stopping = true;
    for (const c of this.children) if (!c.done) signal(c.child, "SIGKILL", true);
  }
}

function signal(child: ChildProcess, sig: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined) return;
  try {
    process.kill(group ? -child.pid : child.pid, sig);
  } catch {
    /* already gone */
  }
}
