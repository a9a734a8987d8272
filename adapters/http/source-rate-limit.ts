/**
 * A token bucket per source address: `perMinute` requests a minute, in bursts of up to
 * `perMinute` (TradingView fires every symbol's alert at the same bar close, so a burst is normal;
 * a steady flood is not). Time comes from an injected {@link Clock}; nothing here does I/O.
 */
import type { Clock } from '../time/clock.ts';

/** The answer to one request: go on, or wait this many whole seconds (≥ 1). */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface SourceRateLimitOptions {
  /** requests a minute per source; must be a positive integer (0 = off is decided by the caller) */
  perMinute: number;
  clock: Clock;
  /** most sources remembered at once; the least recently seen is forgotten first. Default 10 000. */
  maxSources?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MINUTE_MS = 60_000;

export class SourceRateLimit {
  readonly #capacity: number;
  /** tokens regained per ms */
  readonly #rate: number;
  readonly #clock: Clock;
  readonly #maxSources: number;
  // Map order is recency order: a source seen is moved to the end, so the front is the idlest.
  readonly #buckets = new Map<string, Bucket>();

  constructor(opts: SourceRateLimitOptions) {
    if (!Number.isInteger(opts.perMinute) || opts.perMinute < 1) throw new RangeError(`perMinute must be a positive integer, got ${opts.perMinute}`);
    const maxSources = opts.maxSources ?? 10_000;
    if (!Number.isInteger(maxSources) || maxSources < 1) throw new RangeError(`maxSources must be a positive integer, got ${maxSources}`);
    this.#capacity = opts.perMinute;
    this.#rate = opts.perMinute / MINUTE_MS;
    this.#clock = opts.clock;
    this.#maxSources = maxSources;
  }

  /** Sources remembered now (bounded by `maxSources`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `source`, or says how long until one is there. */
  take(source: string): RateDecision {
    const now = this.#clock.now();
    this.#forgetIdle(now);
    const seen = this.#buckets.get(source);
    const bucket: Bucket = seen ?? { tokens: this.#capacity, at: now };
    if (seen !== undefined) {
      // A clock that steps back refills nothing (never a negative elapsed time).
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.#rate);
      bucket.at = Math.max(bucket.at, now);
      this.#buckets.delete(source);
    }
    this.#buckets.set(source, bucket);
    while (this.#buckets.size > this.#maxSources) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = (1 - bucket.tokens) / this.#rate;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /**
   * Drops buckets idle long enough to be full again: a full bucket is what a new source gets, so
   * forgetting it changes no answer. The front of the map is the idlest, so this stops at the
   * first bucket still refilling.
   */
  #forgetIdle(now: number): void {
    const fullAfterMs = MINUTE_MS; // capacity / rate
    for (const [source, b] of this.#buckets) {
      if (now - b.at < fullAfterMs) break;
      this.#buckets.delete(source);
    }
  }
}
