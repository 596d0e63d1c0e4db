// The workflow definitions known to this process, registered once at import by each domain.
import type { RunInfo, StepDefinition, WorkflowDefinition } from "./types";

const definitions = new Map<string, WorkflowDefinition<never>>();

export function registerWorkflow<I>(definition: WorkflowDefinition<I>): WorkflowDefinition<I> {
  definitions.set(definition.type, definition as unknown as WorkflowDefinition<never>);
  return definition;
}

export function getWorkflow(type: string): WorkflowDefinition<Record<string, unknown>> {
  const def = definitions.get(type);
  if (!def) throw new Error(`unknown workflow type ${type}`);
  return def as unknown as WorkflowDefinition<Record<string, unknown>>;
}

/** The steps of a run of `type` with this input (most types have one fixed list). */
export function stepsOf(type: string, input: Record<string, unknown>): StepDefinition<Record<string, unknown>>[] {
  const def = getWorkflow(type);
  return def.stepsFor ? def.stepsFor(input) : def.steps;
}

export function listWorkflowTypes(): { type: string; title: string; steps: string[] }[] {
  return [...definitions.values()].map((d) => ({ type: d.type, title: d.title, steps: d.steps.map((s) => s.name) }));
}

type FinishedListener = (run: RunInfo<Record<string, unknown>>) => Promise<void>;
const finishedListeners: FinishedListener[] = [];

/**
 * Called after the transaction that ended a run has committed (onFinish runs inside it, so it cannot tell the
 * world: a notification sent there could be read before the change is visible).
 */
export function onRunFinished(listener: FinishedListener): void {
  finishedListeners.push(listener);
}

export async function notifyRunFinished(run: RunInfo<Record<string, unknown>>): Promise<void> {
  for (const l of finishedListeners) await l(run).catch(() => {});
}
