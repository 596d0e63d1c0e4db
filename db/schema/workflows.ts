// Durable workflows: every change to an instance or the fleet is a run of named steps, each row visible to users.
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./identity";

export const runStatuses = ["queued", "running", "paused", "succeeded", "failed", "cancelling", "cancelled"] as const;
export type RunStatus = (typeof runStatuses)[number];

export const stepStatuses = ["pending", "running", "waiting_retry", "succeeded", "failed", "compensating", "compensated", "skipped"] as const;
export type StepStatus = (typeof stepStatuses)[number];

export const workflowRuns = pgTable(
  "workflow_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type").notNull(),
    /** What the run changes (an instance id); runs that mutate one subject run one at a time, in order. */
    subjectType: text("subject_type").notNull(),
    subjectId: uuid("subject_id").notNull(),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "set null" }),
    status: text("status", { enum: runStatuses }).notNull(),
    input: jsonb("input").$type<Record<string, unknown>>().notNull(),
    /** Index of the step to run next (or running now); equals the step count once all succeeded. */
    currentStep: integer("current_step").notNull().default(0),
    stepCount: integer("step_count").notNull(),
    /** Set by a pause request; the run stops before its next step. */
    pauseRequested: text("pause_requested"),
    error: text("error"),
    requestedBy: text("requested_by").notNull(),
    /** Monotonic order of runs per subject (queue position). */
    seq: integer("seq").generatedAlwaysAsIdentity().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("workflow_runs_subject_idx").on(t.subjectId, t.seq),
    index("workflow_runs_status_idx").on(t.status, t.updatedAt),
    index("workflow_runs_org_idx").on(t.orgId, t.createdAt),
  ],
);

export const workflowSteps = pgTable(
  "workflow_steps",
  {
    runId: uuid("run_id").notNull().references(() => workflowRuns.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: stepStatuses }).notNull().default("pending"),
    /** Attempts so far, counted across manual retries so every attempt gets its own job id. */
    attempts: integer("attempts").notNull().default(0),
    /** `attempts` when the run was last retried by hand: the retry policy counts attempts after it. */
    retryBase: integer("retry_base").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    durationMs: integer("duration_ms"),
    error: text("error"),
    output: jsonb("output").$type<Record<string, unknown>>(),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.index] })],
);

/** Per workflow type: operators can hold every new run of a type (they start paused) during an incident. */
export const workflowTypeSettings = pgTable("workflow_type_settings", {
  type: text("type").primaryKey(),
  pauseNewRuns: boolean("pause_new_runs").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
