// The workflow engine's waits and pauses from inside a step, with a real BullMQ worker: StepWait looks again later
// without using the retry budget (and shows its note meanwhile), pause/resume and cancel while a step waits,
// StepPause pausing the run before its step, and stepsFor giving a run its own steps from its input.
import { randomUUID } from "node:crypto";
import type { Worker } from "bullmq";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { systemContext } from "@/server/auth/actor";
import { closeQueues } from "@/server/jobs/queues";
import { getRun } from "@/server/workflows/queries";
import { registerWorkflow } from "@/server/workflows/registry";
import { cancelRun, pauseRun, resumeRun, startRun } from "@/server/workflows/runs";
import { StepPause, StepWait, type StepDefinition } from "@/server/workflows/types";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";

const ctx = systemContext("step-wait-test");
const fast = { attempts: 2, backoffMs: 20, maxBackoffMs: 100, timeoutMs: 5_000 };

type Input = { tag: string; delayMs?: number; n?: number };
const input = z.object({ tag: z.string(), delayMs: z.number().int().min(0).optional(), n: z.number().int().min(0).optional() });

/** What step "w" of a run does on its next executions, in order ("ok" once the script is used up). */
type Action = "wait" | "pause" | "flake";
const scripts = new Map<string, Action[]>();
/** Runs whose step "w" waits (StepWait) on every look until released. */
const holding = new Set<string>();
const calls = new Map<string, number>();
const log: string[] = [];

const count = (key: string) => {
  const n = (calls.get(key) ?? 0) + 1;
  calls.set(key, n);
  return n;
};

function plainStep(name: string): StepDefinition<Input> {
  return {
    name,
    retry: fast,
    async run({ run, attempt }) {
      log.push(`${run.input.tag}:${name}`);
      return { name, attempt };
    },
    async compensate({ run }) {
      log.push(`${run.input.tag}:undo-${name}`);
    },
  };
}

/** A step that waits, pauses or fails as its run's script says, then succeeds. */
function scriptedStep(name: string): StepDefinition<Input> {
  return {
    name,
    retry: fast,
    async run({ run, attempt }) {
      const key = `${run.input.tag}:${name}`;
      const n = count(key);
      const action = holding.has(key) ? "wait" : scripts.get(key)?.shift();
      if (action === "wait") throw new StepWait(run.input.delayMs ?? 50, { n });
      if (action === "pause") throw new StepPause(`${name} needs a look (call ${n})`);
      if (action === "flake") throw new Error(`${name} flaked`);
      log.push(key);
      return { name, attempt, calls: n };
    },
    async compensate({ run }) {
      log.push(`${run.input.tag}:undo-${name}`);
    },
  };
}

registerWorkflow<Input>({
  type: "test-wait",
  title: "Test wait",
  input,
  steps: [plainStep("a"), scriptedStep("w"), plainStep("c")],
});

registerWorkflow<Input>({
  type: "test-dynamic",
  title: "Test dynamic steps",
  input,
  // The shape shown for the type; a run's own steps come from its input.
  steps: [plainStep("a"), scriptedStep("w-n")],
  stepsFor: (i) => [plainStep("a"), ...Array.from({ length: i.n ?? 0 }, (_, k) => scriptedStep(`w-${k + 1}`))],
});

let workers: Worker[] = [];

beforeAll(async () => {
  workers = await startWorkers([workflowStepsProcessor], { schedules: false });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await closeQueues();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForRun(runId: string, statuses: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(getDb(), runId);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${run.status}, expected ${statuses.join("|")}: ${JSON.stringify(run.steps.map((s) => [s.name, s.status, s.attempts, s.error]))}`);
    await sleep(20);
  }
}

type RunView = Awaited<ReturnType<typeof getRun>>;
async function waitUntil(runId: string, what: string, ok: (run: RunView) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(getDb(), runId);
    if (ok(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId}: ${what} did not happen: ${run.status} ${JSON.stringify(run.steps.map((s) => [s.name, s.status, s.attempts, s.output]))}`);
    await sleep(10);
  }
}

const start = (type: string, i: Input) => startRun(getDb(), ctx, { type, subjectType: "test", subjectId: randomUUID(), orgId: null, input: i });
const ofTag = (tag: string) => log.filter((l) => l.startsWith(`${tag}:`));

describe("StepWait", () => {
  it("looks again later without using the retry budget, shows its note meanwhile, then goes on", async () => {
    holding.add("long:w");
    const run = await start("test-wait", { tag: "long" });
    // More looks than the step's retry budget (2 attempts), the run still running and the step not failed.
    const waiting = await waitUntil(run.id, "four looks", (r) => r.steps[1]!.attempts >= 4 && r.steps[1]!.status === "waiting_retry");
    expect(waiting.status).toBe("running");
    expect(waiting.error).toBeNull();
    expect(waiting.steps[1]!.error).toBeNull();
    expect(waiting.steps[1]!.output).toEqual({ waiting: true, n: expect.any(Number) });
    expect(waiting.steps[1]!.nextAttemptAt).not.toBeNull();
    expect(waiting.steps[2]!.status).toBe("pending");
    holding.delete("long:w");
    const done = await waitForRun(run.id, ["succeeded"]);
    const w = done.steps[1]!;
    expect(w.status).toBe("succeeded");
    expect(w.attempts).toBeGreaterThan(fast.attempts + 2);
    // Every look but the last was a wait: none of them counted against the budget.
    expect(w.retryBase).toBe(w.attempts - 1);
    expect(w.output).toEqual({ name: "w", attempt: w.attempts, calls: w.attempts });
    expect(done.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(ofTag("long")).toEqual(["long:a", "long:w", "long:c"]);
  });

  it("shows each look's note as the step's output", async () => {
    holding.add("notes:w");
    const run = await start("test-wait", { tag: "notes", delayMs: 300 });
    const first = await waitUntil(run.id, "the first wait", (r) => r.steps[1]!.status === "waiting_retry");
    expect(first.steps[1]!.output).toEqual({ waiting: true, n: 1 });
    const second = await waitUntil(run.id, "the second wait", (r) => r.steps[1]!.status === "waiting_retry" && r.steps[1]!.attempts === 2);
    expect(second.steps[1]!.output).toEqual({ waiting: true, n: 2 });
    holding.delete("notes:w");
    const done = await waitForRun(run.id, ["succeeded"]);
    expect(done.steps[1]!.output).toEqual({ name: "w", attempt: 3, calls: 3 });
  });

  it("leaves the whole retry budget for failures after waits", async () => {
    scripts.set("budget:w", ["wait", "wait", "wait", "flake"]);
    const ok = await waitForRun((await start("test-wait", { tag: "budget" })).id, ["succeeded", "failed"]);
    expect(ok.status).toBe("succeeded");
    expect(ok.steps[1]!.attempts).toBe(5);

    scripts.set("spent:w", ["wait", "wait", "wait", "flake", "flake"]);
    const failed = await waitForRun((await start("test-wait", { tag: "spent" })).id, ["succeeded", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.steps[1]!.status).toBe("failed");
    expect(failed.steps[1]!.attempts).toBe(5);
    expect(failed.error).toBe("w: w flaked");
  });

  it("a pause while the step waits pauses the run at once, and the due look does not run the step", async () => {
    holding.add("pw:w");
    // Long waits, so the pause surely lands between two looks.
    const run = await start("test-wait", { tag: "pw", delayMs: 400 });
    await waitUntil(run.id, "a wait", (r) => r.steps[1]!.status === "waiting_retry");
    await pauseRun(getDb(), ctx, run.id);
    const paused = await getRun(getDb(), run.id);
    expect(paused.status).toBe("paused");
    expect(paused.pauseRequested).toBe("paused by step-wait-test");
    expect(paused.currentStep).toBe(1);
    const looks = calls.get("pw:w");
    // The look that was due comes and goes: the paused run does not run the step.
    await sleep(800);
    expect((await getRun(getDb(), run.id)).status).toBe("paused");
    expect(calls.get("pw:w")).toBe(looks);
    await cancelRun(getDb(), ctx, run.id);
    await waitForRun(run.id, ["cancelled"]);
    holding.delete("pw:w");
  });

  // Known bug (see the report): the look that came while the run was paused used up the job id of the step's next
  // attempt (wf-<run>-s1-a<n+1>, kept an hour as completed), and resumeRun (and the sweep) enqueue that same id, which
  // BullMQ drops as a duplicate: the run stays "running" with the step pending, and nothing ever runs it.
  it("resumes a run paused while its step waited, after the due look came", async () => {
    holding.add("pwr:w");
    const run = await start("test-wait", { tag: "pwr", delayMs: 400 });
    await waitUntil(run.id, "a wait", (r) => r.steps[1]!.status === "waiting_retry");
    await pauseRun(getDb(), ctx, run.id);
    const looks = calls.get("pwr:w")!;
    await sleep(800);
    holding.delete("pwr:w");
    await resumeRun(getDb(), ctx, run.id);
    await waitForRun(run.id, ["succeeded"], 5_000);
    expect(calls.get("pwr:w")).toBe(looks + 1);
    expect(ofTag("pwr")).toEqual(["pwr:a", "pwr:w", "pwr:c"]);
  });

  it("a resume before the due look fires still runs the step", async () => {
    holding.add("quick:w");
    const run = await start("test-wait", { tag: "quick", delayMs: 1_000 });
    await waitUntil(run.id, "a wait", (r) => r.steps[1]!.status === "waiting_retry");
    await pauseRun(getDb(), ctx, run.id);
    expect((await getRun(getDb(), run.id)).status).toBe("paused");
    holding.delete("quick:w");
    await resumeRun(getDb(), ctx, run.id);
    await waitForRun(run.id, ["succeeded"]);
    expect(ofTag("quick")).toEqual(["quick:a", "quick:w", "quick:c"]);
  });

  it("a cancel while the step waits skips it, undoes the steps before it and ends cancelled", async () => {
    holding.add("cw:w");
    const run = await start("test-wait", { tag: "cw", delayMs: 400 });
    await waitUntil(run.id, "a wait", (r) => r.steps[1]!.status === "waiting_retry");
    const looks = calls.get("cw:w");
    await cancelRun(getDb(), ctx, run.id);
    const cancelled = await waitForRun(run.id, ["cancelled"]);
    expect(cancelled.steps.map((s) => s.status)).toEqual(["compensated", "skipped", "pending"]);
    expect(cancelled.error).toBeNull();
    // The look that was due finds the run cancelled.
    await sleep(800);
    expect(calls.get("cw:w")).toBe(looks);
    expect((await getRun(getDb(), run.id)).status).toBe("cancelled");
    expect(ofTag("cw")).toEqual(["cw:a", "cw:undo-a"]);
    holding.delete("cw:w");
  });
});

describe("StepPause", () => {
  it("pauses the run before the step with the reason; resume runs the step again from the start", async () => {
    scripts.set("sp:w", ["pause"]);
    const run = await start("test-wait", { tag: "sp" });
    const paused = await waitForRun(run.id, ["paused"]);
    expect(paused.pauseRequested).toBe("w needs a look (call 1)");
    expect(paused.currentStep).toBe(1);
    expect(paused.steps.map((s) => s.status)).toEqual(["succeeded", "pending", "pending"]);
    expect(paused.steps[1]!.output).toEqual({ paused: "w needs a look (call 1)" });
    expect(paused.steps[1]!.error).toBeNull();
    // It stays paused: nothing looks again on its own.
    await sleep(300);
    expect((await getRun(getDb(), run.id)).status).toBe("paused");
    expect(calls.get("sp:w")).toBe(1);
    await resumeRun(getDb(), ctx, run.id);
    const done = await waitForRun(run.id, ["succeeded"]);
    expect(calls.get("sp:w")).toBe(2);
    expect(done.pauseRequested).toBeNull();
    expect(done.steps[1]!.output).toEqual({ name: "w", attempt: 2, calls: 2 });
    // The pause did not count against the retry budget either.
    expect(done.steps[1]!.retryBase).toBe(1);
    expect(ofTag("sp")).toEqual(["sp:a", "sp:w", "sp:c"]);
  });

  it("a paused run can be cancelled: the steps before are undone", async () => {
    scripts.set("spc:w", ["pause"]);
    const run = await start("test-wait", { tag: "spc" });
    await waitForRun(run.id, ["paused"]);
    await cancelRun(getDb(), ctx, run.id);
    const cancelled = await waitForRun(run.id, ["cancelled"]);
    expect(cancelled.steps.map((s) => s.status)).toEqual(["compensated", "skipped", "pending"]);
    expect(ofTag("spc")).toEqual(["spc:a", "spc:undo-a"]);
  });
});

describe("pause during a step that then fails", () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let executions = 0;
  registerWorkflow<Input>({
    type: "test-gated-flake",
    title: "Test gated flake",
    input,
    steps: [
      {
        name: "g",
        retry: { attempts: 3, backoffMs: 300, maxBackoffMs: 300, timeoutMs: 5_000 },
        async run() {
          executions++;
          await gate;
          if (executions === 1) throw new Error("g flaked");
          return { executions };
        },
      },
    ],
  });

  // Same bug (see the report): the retry job finds the pause, pauses the run and ends "stale" without taking its
  // attempt number; resumeRun then enqueues that same job id, which BullMQ drops.
  it("resumes after the retry that found the pause", async () => {
    const run = await start("test-gated-flake", { tag: "gf" });
    await waitUntil(run.id, "g running", (r) => r.steps[0]!.status === "running");
    await pauseRun(getDb(), ctx, run.id);
    open();
    await waitForRun(run.id, ["paused"]);
    await resumeRun(getDb(), ctx, run.id);
    const done = await waitForRun(run.id, ["succeeded"], 5_000);
    expect(done.steps[0]!.output).toEqual({ executions: 2 });
  });
});

describe("stepsFor", () => {
  it("gives a run its steps from its input, each running its own function", async () => {
    const run = await start("test-dynamic", { tag: "dyn", n: 3 });
    expect(run.stepCount).toBe(4);
    const done = await waitForRun(run.id, ["succeeded"]);
    expect(done.steps.map((s) => s.name)).toEqual(["a", "w-1", "w-2", "w-3"]);
    expect(done.steps.map((s) => s.output)).toEqual([
      { name: "a", attempt: 1 },
      { name: "w-1", attempt: 1, calls: 1 },
      { name: "w-2", attempt: 1, calls: 1 },
      { name: "w-3", attempt: 1, calls: 1 },
    ]);
    expect(ofTag("dyn")).toEqual(["dyn:a", "dyn:w-1", "dyn:w-2", "dyn:w-3"]);

    const one = await waitForRun((await start("test-dynamic", { tag: "dyn1", n: 1 })).id, ["succeeded"]);
    expect(one.steps.map((s) => s.name)).toEqual(["a", "w-1"]);
    const none = await waitForRun((await start("test-dynamic", { tag: "dyn0", n: 0 })).id, ["succeeded"]);
    expect(none.steps.map((s) => s.name)).toEqual(["a"]);
  });

  it("waits and compensates with the run's own steps", async () => {
    scripts.set("dynw:w-2", ["wait", "wait"]);
    holding.add("dynw:w-3");
    const run = await start("test-dynamic", { tag: "dynw", n: 3, delayMs: 300 });
    const waiting = await waitUntil(run.id, "w-3 waiting", (r) => r.steps[3]!.status === "waiting_retry");
    expect(waiting.steps[2]!.attempts).toBe(3);
    expect(waiting.steps[2]!.output).toEqual({ name: "w-2", attempt: 3, calls: 3 });
    expect(waiting.steps[3]!.output).toEqual({ waiting: true, n: expect.any(Number) });
    await cancelRun(getDb(), ctx, run.id);
    const cancelled = await waitForRun(run.id, ["cancelled"]);
    expect(cancelled.steps.map((s) => s.status)).toEqual(["compensated", "compensated", "compensated", "skipped"]);
    expect(ofTag("dynw")).toEqual(["dynw:a", "dynw:w-1", "dynw:w-2", "dynw:undo-w-2", "dynw:undo-w-1", "dynw:undo-a"]);
    holding.delete("dynw:w-3");
  });
});
