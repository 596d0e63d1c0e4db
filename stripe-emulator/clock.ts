// The emulator's clock: wall time plus an offset that the admin API advances (a Stripe test clock for the whole account).

export class EmulatorClock {
  private offsetMs = 0;
  /** While billing work is replayed step by step during an advance, "now" is pinned to the step being processed. */
  private pinnedMs: number | null = null;

  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  nowMs(): number {
    return this.pinnedMs ?? Date.now() + this.offsetMs;
  }

  /** Unix seconds. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** Moves the clock forward; never backwards. */
  advanceTo(targetMs: number): void {
    const delta = targetMs - (Date.now() + this.offsetMs);
    if (delta > 0) this.offsetMs += delta;
  }

  pin(ms: number | null): void {
    this.pinnedMs = ms;
  }
}
