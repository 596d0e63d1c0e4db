// Workflow step jobs (many at once: steps mostly wait on clusters) and the sweep that heals lost jobs.
import { UnrecoverableError } from "bullmq";
import { getDb } from "@/db/client";
import { executeStepJob, sweepStuckRuns } from "@/server/workflows/execute-step";
import { stepJobPayload } from "@/server/workflows/step-jobs";
import { QUEUES, type ProcessorRegistration } from "../queues";
import type { WorkerTuning } from "../start-workers";
// Registers the instance lifecycle workflows in this process.
import "@/server/instances/workflows/definitions";
import "@/server/scaling/workflows";
import "@/server/health/workflows";
import "@/server/rollouts/workflows";

export const workflowStepsProcessor: ProcessorRegistration & WorkerTuning = {
  queue: QUEUES.workflowSteps,
  concurrency: 32,
  // A killed worker's steps move on within ~10 s instead of BullMQ's default 30 s.
  stalledIntervalMs: 10_000,
  // A job runs a run's steps one after another, so it lives longer than one step: hand it on after every crash
  // (the engine's own records make a redelivered job safe) rather than failing it after the first one.
  maxStalledCount: 1_000,
  schedules: [{ id: "workflows-sweep", every: 15_000, jobName: "sweep" }],
  async process(job) {
    if (job.name === "sweep") return { healed: await sweepStuckRuns(getDb()) };
    if (job.name === "run" || job.name === "compensate") return executeStepJob(getDb(), stepJobPayload.parse(job.data), { redelivered: job.stalledCounter > 0 });
    throw new UnrecoverableError(`unknown workflow job ${job.name}`);
  },
};
