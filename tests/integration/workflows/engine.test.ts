// The workflow engine with a real BullMQ worker: retries and backoff, permanent failures, retry from the failed
// step, pause/resume, cancel with compensation, one active run per subject, and the sweep healing a lost job.
import { randomUUID } from "node:crypto";
import type { Worker } from "bullmq";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { workflowRuns } from "@/db/schema";
import { systemContext } from "@/server/auth/actor";
import { DomainError } from "@/server/errors/domain-error";
import { closeQueues } from "@/server/jobs/queues";
import { sweepStuckRuns } from "@/server/workflows/execute-step";
import { getRun } from "@/server/workflows/queries";
import { registerWorkflow } from "@/server/workflows/registry";
import { cancelRun, createRun, pauseRun, resumeRun, retryRun, setTypeHeld, startRun } from "@/server/workflows/runs";
import { StepFailure } from "@/server/workflows/types";
import { workflowStepsProcessor } from "@/workers/processors/workflows";
import { startWorkers } from "@/workers/start-workers";

const ctx = systemContext("engine-test");
const input = z.object({ tag: z.string() });
const fast = { attempts: 4, backoffMs: 20, maxBackoffMs: 100, timeoutMs: 5_000 };

const log: string[] = [];
const failuresLeft = new Map<string, number>();
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();

function gate(tag: string) {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  gates.set(tag, { promise, open });
  return gates.get(tag)!;
}

registerWorkflow<{ tag: string }>({
  type: "test-steps",
  title: "Test steps",
  input,
  steps: ["a", "b", "c"].map((name) => ({
    name,
    retry: fast,
    async run({ run, attempt }) {
      const key = `${run.input.tag}:${name}`;
      await gates.get(key)?.promise;
      const left = failuresLeft.get(key) ?? 0;
      if (left > 0) {
        failuresLeft.set(key, left - 1);
        if (left >= 100) throw new StepFailure(`${name} cannot work`, { retryable: false });
        throw new Error(`${name} flaked`);
      }
      log.push(`${run.input.tag}:${name}`);
      return { name, attempt };
    },
    async compensate({ run }) {
      log.push(`${run.input.tag}:undo-${name}`);
    },
  })),
});

registerWorkflow<{ tag: string }>({
  type: "test-invalid",
  title: "Test invalid",
  input,
  steps: [{ name: "apply", retry: fast, run: async () => { throw new DomainError("BAD_REQUEST", "the manifest is invalid: spec.replicas must be a number"); } }],
});

let workers: Worker[] = [];

beforeAll(async () => {
  workers = await startWorkers([workflowStepsProcessor], { schedules: false });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await closeQueues();
});

async function waitForRun(runId: string, statuses: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(getDb(), runId);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${run.status}, expected ${statuses.join("|")}: ${JSON.stringify(run.steps.map((s) => [s.name, s.status, s.error]))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const start = (tag: string, subjectId = randomUUID(), type = "test-steps") => startRun(getDb(), ctx, { type, subjectType: "test", subjectId, orgId: null, input: { tag } });

describe("workflow engine", () => {
  it("runs steps in order and records attempts, durations and outputs", async () => {
    const run = await start("ok");
    const done = await waitForRun(run.id, ["succeeded"]);
    expect(log.filter((l) => l.startsWith("ok:"))).toEqual(["ok:a", "ok:b", "ok:c"]);
    expect(done.steps.map((s) => [s.status, s.attempts])).toEqual([["succeeded", 1], ["succeeded", 1], ["succeeded", 1]]);
    expect(done.steps[1]!.output).toEqual({ name: "b", attempt: 1 });
    expect(done.steps.every((s) => s.durationMs !== null && s.startedAt && s.finishedAt)).toBe(true);
  });

  it("retries a flaky step with backoff and then succeeds", async () => {
    failuresLeft.set("flaky:b", 2);
    const run = await start("flaky");
    const done = await waitForRun(run.id, ["succeeded"]);
    expect(done.steps[1]!.attempts).toBe(3);
    expect(done.steps[1]!.error).toBeNull();
  });

  it("fails the run when the retry budget is spent, and retries from the failed step on request", async () => {
    failuresLeft.set("spent:b", 4);
    const run = await start("spent");
    const failed = await waitForRun(run.id, ["failed"]);
    expect(failed.steps[1]!.status).toBe("failed");
    expect(failed.steps[1]!.attempts).toBe(4);
    expect(failed.error).toMatch(/^b: b flaked/);
    expect(failed.steps[2]!.status).toBe("pending");
    await retryRun(getDb(), ctx, run.id);
    const done = await waitForRun(run.id, ["succeeded"]);
    expect(done.steps[1]!.attempts).toBe(5);
    expect(log.filter((l) => l === "spent:a")).toHaveLength(1);
  });

  it("fails at once on an error a retry cannot fix", async () => {
    failuresLeft.set("perm:a", 100);
    const failed = await waitForRun((await start("perm")).id, ["failed"]);
    expect(failed.steps[0]!.attempts).toBe(1);
    expect(failed.error).toBe("a: a cannot work");
    const invalid = await waitForRun((await start("inv", randomUUID(), "test-invalid")).id, ["failed"]);
    expect(invalid.steps[0]!.attempts).toBe(1);
    expect(invalid.error).toMatch(/manifest is invalid/);
  });

  it("pauses before the next step and resumes", async () => {
    const g = gate("pause:b");
    const run = await start("pause");
    const deadline = Date.now() + 5000;
    while ((await getRun(getDb(), run.id)).steps[1]!.status !== "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await pauseRun(getDb(), ctx, run.id);
    g.open();
    const paused = await waitForRun(run.id, ["paused"]);
    expect(paused.currentStep).toBe(2);
    expect(paused.steps[2]!.status).toBe("pending");
    await new Promise((r) => setTimeout(r, 200));
    expect((await getRun(getDb(), run.id)).status).toBe("paused");
    await resumeRun(getDb(), ctx, run.id);
    await waitForRun(run.id, ["succeeded"]);
  });

  it("cancels a run whose next step has not started: that step is skipped", async () => {
    const g = gate("skip:b");
    const run = await start("skip");
    const deadline = Date.now() + 5000;
    while ((await getRun(getDb(), run.id)).steps[1]!.status !== "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await pauseRun(getDb(), ctx, run.id);
    g.open();
    await waitForRun(run.id, ["paused"]);
    await cancelRun(getDb(), ctx, run.id);
    const cancelled = await waitForRun(run.id, ["cancelled"]);
    expect(cancelled.steps.map((s) => s.status)).toEqual(["compensated", "compensated", "skipped"]);
    expect(log.filter((l) => l.startsWith("skip:"))).toEqual(["skip:a", "skip:b", "skip:undo-b", "skip:undo-a"]);
  });

  it("cancels with compensation in reverse order", async () => {
    const g = gate("cancel:c");
    const run = await start("cancel");
    await waitForRun(run.id, ["running"]);
    const deadline = Date.now() + 5000;
    // Cancel while step c is executing (held by its gate), so it finishes first and is undone too.
    while ((await getRun(getDb(), run.id)).steps[2]!.status !== "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await cancelRun(getDb(), ctx, run.id);
    g.open();
    const cancelled = await waitForRun(run.id, ["cancelled"]);
    expect(log.filter((l) => l.startsWith("cancel:"))).toEqual(["cancel:a", "cancel:b", "cancel:c", "cancel:undo-c", "cancel:undo-b", "cancel:undo-a"]);
    expect(cancelled.steps.map((s) => s.status)).toEqual(["compensated", "compensated", "compensated"]);
  });

  it("runs one run per subject at a time, in order", async () => {
    const subject = randomUUID();
    const g = gate("first:a");
    const first = await start("first", subject);
    const second = await start("second", subject);
    expect((await getRun(getDb(), second.id)).status).toBe("queued");
    await new Promise((r) => setTimeout(r, 150));
    expect(log).not.toContain("second:a");
    g.open();
    await waitForRun(second.id, ["succeeded"]);
    expect(log.indexOf("first:c")).toBeLessThan(log.indexOf("second:a"));
    expect((await getRun(getDb(), first.id)).status).toBe("succeeded");
  });

  it("holds new runs of a type until resumed", async () => {
    await setTypeHeld(getDb(), ctx, "test-steps", true);
    try {
      const run = await start("held");
      expect((await getRun(getDb(), run.id)).status).toBe("paused");
      await resumeRun(getDb(), ctx, run.id);
      await waitForRun(run.id, ["succeeded"]);
    } finally {
      await setTypeHeld(getDb(), ctx, "test-steps", false);
    }
  });

  it("the sweep re-enqueues a run whose job was lost between commit and enqueue", async () => {
    const db = getDb();
    // A crash right after commit: the run exists and is due, but no job was ever enqueued.
    const run = await db.transaction((tx) => createRun(tx, [], ctx, { type: "test-steps", subjectType: "test", subjectId: randomUUID(), orgId: null, input: { tag: "lost" } }));
    await new Promise((r) => setTimeout(r, 200));
    expect((await getRun(db, run.id)).steps[0]!.status).toBe("pending");
    await db.update(workflowRuns).set({ updatedAt: sql`now() - interval '1 minute'` }).where(eq(workflowRuns.id, run.id));
    expect(await sweepStuckRuns(db, 30_000)).toBe(1);
    await waitForRun(run.id, ["succeeded"]);
    expect(log).toContain("lost:c");
  });
});
