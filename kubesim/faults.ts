// Fault injection state of one cluster: crash loops (by labels, namespace and/or image), image pull
// failures, API errors and latency, slow pod starts. Node down/up and partitions are cluster operations (see cluster.ts).
import { randomUUID } from "node:crypto";
import { ApiError, errors } from "./errors";
import { parseLabelSelector } from "./selectors";
import type { KObject, Loose } from "./types";

export type FaultSpec =
  | { type: "crashLoop"; labelSelector?: string; namespace?: string; image?: string; exitCode?: number }
  | { type: "imagePull"; image: string; namespace?: string }
  | { type: "apiErrors"; rate: number; code?: 500 | 429; retryAfterSeconds?: number }
  | { type: "latency"; ms: number }
  | { type: "slowStart"; delayMs: number; labelSelector?: string; namespace?: string };

export type Fault = FaultSpec & { id: string };

/** The crash-loop faults hitting one pod: which of its containers crash, and with what exit code. */
export interface CrashLoop {
  fault: Fault & { type: "crashLoop" };
  exitCode: number;
  /** Names of the crashing containers: all of them, unless the faults name images. */
  containers: Set<string>;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

export class Faults {
  private readonly list: Fault[] = [];
  private readonly listeners: (() => void)[] = [];

  all(): Fault[] {
    return this.list.slice();
  }

  add(spec: FaultSpec): Fault {
    validate(spec);
    const f = { ...spec, id: randomUUID().slice(0, 8) } as Fault;
    this.list.push(f);
    this.changed();
    return f;
  }

  remove(id: string): boolean {
    const i = this.list.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.list.splice(i, 1);
    this.changed();
    return true;
  }

  clear(): void {
    this.list.length = 0;
    this.changed();
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private podMatches(f: { labelSelector?: string; namespace?: string }, pod: KObject): boolean {
    if (f.namespace && f.namespace !== pod.metadata.namespace) return false;
    return parseLabelSelector(f.labelSelector)(pod.metadata.labels);
  }

  /**
   * The crash loop a pod is in, judged by its own spec: a fault with an image glob hits only the
   * containers whose image matches, so the new pods of a rolling update crash while the old ones run.
   */
  crashLoopFor(pod: KObject): CrashLoop | undefined {
    let out: CrashLoop | undefined;
    for (const f of this.list) {
      if (f.type !== "crashLoop" || !this.podMatches(f, pod)) continue;
      const re = f.image === undefined ? undefined : globToRegExp(f.image);
      for (const c of (pod.spec?.containers ?? []) as Loose[]) {
        if (re && !re.test(String(c.image ?? ""))) continue;
        out ??= { fault: f, exitCode: f.exitCode ?? 1, containers: new Set() };
        out.containers.add(String(c.name));
      }
    }
    return out;
  }

  /** The first container image of the pod that an image-pull fault matches. */
  failingImage(pod: KObject): string | undefined {
    for (const f of this.list) {
      if (f.type !== "imagePull" || (f.namespace && f.namespace !== pod.metadata.namespace)) continue;
      const re = globToRegExp(f.image);
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) if (re.test(String(c.image ?? ""))) return c.image;
    }
    return undefined;
  }

  extraStartDelay(pod: KObject): number {
    let ms = 0;
    for (const f of this.list) if (f.type === "slowStart" && this.podMatches(f, pod)) ms = Math.max(ms, f.delayMs);
    return ms;
  }

  latencyMs(): number {
    let ms = 0;
    for (const f of this.list) if (f.type === "latency") ms += f.ms;
    return ms;
  }

  /** An error to answer an API request with, drawn at the configured rate, or undefined. */
  apiError(): ApiError | undefined {
    for (const f of this.list) {
      if (f.type !== "apiErrors") continue;
      if (Math.random() >= f.rate) continue;
      if (f.code === 429) return errors.tooManyRequests(f.retryAfterSeconds ?? 1);
      return new ApiError(500, "InternalError", "Internal error occurred: kubesim injected fault", { causes: [{ reason: "", message: "kubesim injected fault" }] });
    }
    return undefined;
  }
}

function validate(spec: FaultSpec): void {
  switch (spec.type) {
    case "crashLoop":
      parseLabelSelector(spec.labelSelector);
      if (spec.image !== undefined && (typeof spec.image !== "string" || !spec.image)) throw errors.badRequest("crashLoop image must be a non-empty glob pattern");
      return;
    case "imagePull":
      if (!spec.image) throw errors.badRequest("imagePull fault needs an image pattern");
      return;
    case "apiErrors":
      if (!(spec.rate >= 0 && spec.rate <= 1)) throw errors.badRequest("apiErrors rate must be between 0 and 1");
      if (spec.code !== undefined && spec.code !== 500 && spec.code !== 429) throw errors.badRequest("apiErrors code must be 500 or 429");
      return;
    case "latency":
      if (!(spec.ms >= 0)) throw errors.badRequest("latency ms must be >= 0");
      return;
    case "slowStart":
      if (!(spec.delayMs >= 0)) throw errors.badRequest("slowStart delayMs must be >= 0");
      return;
    default:
      throw errors.badRequest(`unknown fault type ${(spec as { type?: string }).type}`);
  }
}
