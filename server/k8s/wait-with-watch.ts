// Waits for a condition on cluster objects: re-checks whenever a watch reports a change, polls as a fallback
// (a watch can drop, a proxy can buffer), and gives up at a deadline or when the caller aborts.
import { Watch, type KubeConfig } from "@kubernetes/client-node";

export type CheckResult<T> = { done: boolean; value: T };

export type WaitOptions = {
  timeoutMs: number;
  signal?: AbortSignal;
  /** How often to re-check without a watch event; also the delay before a dropped watch is reopened. */
  pollMs?: number;
};

export type WatchTarget = {
  /** API path of the collection, e.g. `/apis/apps/v1/namespaces/ns/deployments`. */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
};

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("the wait was aborted");
}

/**
 * Runs `check` now and again on every watch event on `target` (and every `pollMs`), one check at a time.
 * Resolves with the first result that is done, or with the last result when `timeoutMs` passes; rejects when
 * `signal` aborts, or when the very first check fails (later failures are retried by the next event or poll).
 */
export async function waitWithWatch<T>(kc: KubeConfig, target: WatchTarget, check: () => Promise<CheckResult<T>>, options: WaitOptions): Promise<CheckResult<T>> {
  const { timeoutMs, signal } = options;
  const pollMs = options.pollMs ?? 2_000;
  if (signal?.aborted) throw abortReason(signal);
  let last = await check();
  if (last.done || timeoutMs <= 0) return last;

  return new Promise<CheckResult<T>>((resolve, reject) => {
    let finished = false;
    let checking = false;
    let again = false;
    let watchAbort: AbortController | undefined;
    let reopenTimer: NodeJS.Timeout | undefined;

    const finish = (settle: () => void) => {
      if (finished) return;
      finished = true;
      clearInterval(pollTimer);
      clearTimeout(deadline);
      clearTimeout(reopenTimer);
      signal?.removeEventListener("abort", onAbort);
      watchAbort?.abort();
      settle();
    };

    const recheck = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          try {
            last = await check();
          } catch {
            continue; // a transient failure: the next event or poll tries again
          }
          if (last.done) {
            const result = last;
            finish(() => resolve(result));
          }
        } while (again && !finished);
      } finally {
        checking = false;
      }
    };

    const openWatch = () => {
      if (finished) return;
      const query: Record<string, string | number | undefined> = {
        fieldSelector: target.fieldSelector,
        labelSelector: target.labelSelector,
        // The server ends the stream by itself shortly after our deadline, even if our abort is lost.
        timeoutSeconds: Math.ceil(timeoutMs / 1000) + 5,
      };
      const onDone = () => {
        if (finished) return;
        watchAbort = undefined;
        reopenTimer = setTimeout(() => {
          openWatch();
          void recheck();
        }, pollMs);
      };
      new Watch(kc)
        .watch(target.path, query, () => void recheck(), onDone)
        .then((controller) => {
          if (finished) controller.abort();
          else if (!controller.signal.aborted) watchAbort = controller;
        })
        .catch(onDone);
    };

    const pollTimer = setInterval(() => void recheck(), pollMs);
    const deadline = setTimeout(() => finish(() => resolve(last)), timeoutMs);
    const onAbort = () => finish(() => reject(abortReason(signal!)));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) return onAbort(); // aborted during the first check
    openWatch();
  });
}
