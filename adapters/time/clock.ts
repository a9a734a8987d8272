/**
 * The one place fakeout reads the wall clock. Domain code and machines take a {@link Clock}
 * (or XState delays) so tests and replays control time; only wiring passes {@link systemClock}.
 */

/** A source of "now" as integer epoch milliseconds UTC. */
export interface Clock {
  now(): number;
}

/** The host clock. The NTP time oracle (elsewhere) may wrap it with a measured correction. */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
});

/** One instant as ingest stamps it (docs/time.md, "Stamps"): all epoch ms UTC. */
export interface ClockStamp {
  /** the system clock reading */
  receivedAt: number;
  /** corrected time: receivedAt + offsetMs, rounded to a whole ms */
  correctedAt: number;
  /** the offset in use, ms (0 when no offset has been accepted, or for a plain {@link Clock}) */
  offsetMs: number;
}

/** A clock that can say, for one instant, the system reading, the corrected time and the offset used. */
export interface StampingClock extends Clock {
  stamp(): ClockStamp;
}

/** A clock the time oracle corrects: the drift monitor hands it every usable measured offset. */
export interface CorrectableClock extends StampingClock {
  systemNow(): number;
  accept(offsetMs: number, at?: number): void;
  readonly corrected: boolean;
}

export function isStampingClock(clock: Clock): clock is StampingClock {
  return typeof (clock as Partial<StampingClock>).stamp === 'function';
}

export function isCorrectableClock(clock: Clock): clock is CorrectableClock {
  const c = clock as Partial<CorrectableClock>;
  return isStampingClock(clock) && typeof c.accept === 'function' && typeof c.systemNow === 'function';
}

/**
 * The stamp of "now" from any clock: a {@link StampingClock} gives its own; a plain clock (the
 * system clock, a test clock) is taken as uncorrected, offset 0, so its reading is both.
 */
export function stampOf(clock: Clock): ClockStamp {
  if (isStampingClock(clock)) return clock.stamp();
  const now = clock.now();
  return { receivedAt: now, correctedAt: now, offsetMs: 0 };
}

/** An instant as ISO 8601 in UTC (`2022-01-01T11:38:00.000Z`), for display. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * "Now" corrected by the time oracle: {@link now} = the system clock + the last accepted NTP
 * offset, with the raw reading ({@link systemNow}) and the offset in use ({@link offsetMs}) beside
 * it, so a stamp can record all three. Until an offset is accepted the offset is 0 and
 * {@link corrected} is false (the system clock is used as it is).
 */
export class CorrectedClock implements CorrectableClock {
  readonly #system: Clock;
  #offsetMs = 0;
  #acceptedAt: number | null = null;

  constructor(system: Clock = systemClock) {
    this.#system = system;
  }

  /** corrected time, integer epoch ms */
  now(): number {
    return Math.round(this.#system.now() + this.#offsetMs);
  }

  /** the system clock reading, uncorrected */
  systemNow(): number {
    return this.#system.now();
  }

  /** the offset in use, ms (positive: the system clock is behind true time) */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** system time at which the offset in use was accepted; null = never (uncorrected) */
  get acceptedAt(): number | null {
    return this.#acceptedAt;
  }

  get corrected(): boolean {
    return this.#acceptedAt !== null;
  }

  /** Takes a measured offset (adapters/time/sntp.ts); `at` is the system time of the answer. */
  accept(offsetMs: number, at: number = this.#system.now()): void {
    if (!Number.isFinite(offsetMs)) throw new RangeError(`offsetMs must be finite, got ${offsetMs}`);
    this.#offsetMs = offsetMs;
    this.#acceptedAt = at;
  }

  /** All three readings at one instant, for stamping an event. */
  stamp(): ClockStamp {
    const receivedAt = this.#system.now();
    return { receivedAt, correctedAt: Math.round(receivedAt + this.#offsetMs), offsetMs: this.#offsetMs };
  }
}
