// Idempotency-Key replay: same key + same params → the stored response; same key + other params or endpoint → 400.
import { StripeApiError } from "./errors";

export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry extends StoredResponse {
  endpoint: string;
  params: string;
  createdMs: number;
}

const TTL_MS = 24 * 3600 * 1000;
/** Stripe keeps keys for 24 h; the emulator also caps how many it keeps (the SDK keys every POST), oldest out first. */
const MAX_ENTRIES = 50_000;

export class IdempotencyStore {
  private entries = new Map<string, Entry>();

  /** The stored response to replay, or undefined when the key is new; throws idempotency_error on a mismatch. */
  check(key: string, endpoint: string, params: string, nowMs: number): StoredResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (nowMs - e.createdMs > TTL_MS) {
      this.entries.delete(key);
      return undefined;
    }
    if (e.endpoint !== endpoint)
      throw new StripeApiError(400, {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${e.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    if (e.params !== params)
      throw new StripeApiError(400, {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    return e;
  }

  save(key: string, endpoint: string, params: string, response: StoredResponse, nowMs: number): void {
    this.entries.set(key, { ...response, endpoint, params, createdMs: nowMs });
    if (this.entries.size > MAX_ENTRIES) {
      const excess = this.entries.size - MAX_ENTRIES;
      let i = 0;
      for (const k of this.entries.keys()) {
        if (i++ >= excess) break;
        this.entries.delete(k);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
