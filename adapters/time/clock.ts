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
