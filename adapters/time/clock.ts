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

/** An instant as ISO 8601 in UTC (`2022-01-01T11:38:00.000Z`), for display. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString();
}
