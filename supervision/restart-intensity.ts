/**
 * OTP restart intensity: a supervisor allows at most `maxRestarts` restarts in any window of
 * `withinMs`; one more and it gives up, so a crash loop escalates instead of spinning forever.
 */
export class RestartIntensity {
  private times: number[] = [];

  constructor(
    private readonly maxRestarts: number,
    private readonly withinMs: number,
  ) {}

  /**
   * Records a restart at `now` and says whether it is allowed (false = intensity exceeded).
   * A restart exactly `withinMs` old has left the window.
   */
  record(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.withinMs);
    this.times.push(now);
    return this.times.length <= this.maxRestarts;
  }

  /** Restarts currently inside the window ending at `now`. */
  count(now: number): number {
    return this.times.filter((t) => now - t < this.withinMs).length;
  }

  /** Forget history: a restarted supervisor is a new incarnation with a clean record. */
  reset(): void {
    this.times = [];
  }
}
