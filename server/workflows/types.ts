// Workflow definitions: a named list of idempotent steps, each with a retry policy and an optional compensation.
import type { z } from "zod";
import type { Db } from "@/db/client";

export type RetryPolicy = {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time (with ±20 % jitter) up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A step still running after this is considered lost (its worker died) and is attempted again. */
  timeoutMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 60_000, timeoutMs: 120_000 };

export type RunInfo<I> = { id: string; type: string; subjectId: string; orgId: string | null; input: I };

export type StepContext<I> = {
  db: Db;
  run: RunInfo<I>;
  stepIndex: number;
  /** 1 for the first attempt of this step. */
  attempt: number;
  /** The output of an earlier step of this run that succeeded (read on demand: most steps need none). */
  output: (stepName: string) => Promise<Record<string, unknown> | undefined>;
  /** Aborted when the step exceeds its timeout. */
  signal: AbortSignal;
  /**
   * Shared by the steps one job runs back to back (e.g. the subject's record read once): a cache only, empty
   * again after a crash, a retry or a pause. Changes to a subject arrive as runs queued behind this one.
   */
  memo: Map<string, unknown>;
};

export type StepDefinition<I> = {
  name: string;
  /** Must be idempotent: it may run again after a crash, with the same inputs. Returns the step's output. */
  run: (ctx: StepContext<I>) => Promise<Record<string, unknown> | void>;
  /** Undoes the step when the run is cancelled; idempotent too. */
  compensate?: (ctx: StepContext<I>) => Promise<void>;
  retry?: Partial<RetryPolicy>;
};

export type WorkflowDefinition<I = Record<string, unknown>> = {
  type: string;
  /** Human title, e.g. "Provision instance". */
  title: string;
  input: z.ZodType<I>;
  steps: StepDefinition<I>[];
  /**
   * The steps of one run when they depend on its input (a rollout has one step per wave); `steps` then lists the
   * shape shown for the type. Read once when the run is created and on every execution: keep it pure.
   */
  stepsFor?: (input: I) => StepDefinition<I>[];
  /** Called in the transaction that finishes the run (succeeded, failed or cancelled), e.g. to set observed state. */
  onFinish?: (ctx: { db: Db; run: RunInfo<I>; status: "succeeded" | "failed" | "cancelled"; error: string | null }) => Promise<void>;
};

/** Throw from a step to fail it; `retryable: false` fails the run at once (a retry cannot fix it). */
export class StepFailure extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "StepFailure";
    this.retryable = options.retryable;
  }
}

/**
 * Throw from a step that has to wait for something outside the run (upgrades it started, a soak time, a
 * maintenance window): the step is attempted again after `delayMs` without using its retry budget. `note` is
 * shown as the step's output meanwhile. A pause or cancel asked in between takes effect before the next look.
 */
export class StepWait extends Error {
  readonly delayMs: number;
  readonly note: Record<string, unknown>;
  constructor(delayMs: number, note: Record<string, unknown> = {}) {
    super("waiting");
    this.name = "StepWait";
    this.delayMs = delayMs;
    this.note = note;
  }
}

/**
 * Throw from a step to pause its run before this step (e.g. a rollout whose failures passed its threshold): the
 * run waits, paused with `reason`, until someone resumes it; the step then runs again from the start.
 */
export class StepPause extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "StepPause";
  }
}
