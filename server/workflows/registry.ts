// The workflow definitions known to this process, registered once at import by each domain.
import type { WorkflowDefinition } from "./types";

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

export function listWorkflowTypes(): { type: string; title: string; steps: string[] }[] {
  return [...definitions.values()].map((d) => ({ type: d.type, title: d.title, steps: d.steps.map((s) => s.name) }));
}
