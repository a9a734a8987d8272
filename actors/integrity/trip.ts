/**
 * The integrity auditor's breaker trip: `risk.trip.integrity` on ORDERS, body `{ at, reason,
 * figures }` (figures: numbers only, as the breaker's monitor trip requires), msg id
 * `trip:integrity:<at>` (one trip per instant: a re-published one is a duplicate). The gateway
 * reads it with `parseBreakerTrip` (actors/execution/order-messages.ts) and opens the breaker.
 */
import { tripMsgId, tripSubject } from '../execution/order-messages.ts';
import type { Bus } from '../stage/ports.ts';
import type { IntegrityResult } from './integrity.service.ts';

export const INTEGRITY_TRIP_SOURCE = 'integrity';

export interface IntegrityTrip {
  at: number;
  reason: string;
  figures: Record<string, number>;
}

export async function publishIntegrityTrip(bus: Pick<Bus, 'publishMany'>, trip: IntegrityTrip): Promise<void> {
  await bus.publishMany([{ subject: tripSubject(INTEGRITY_TRIP_SOURCE), id: tripMsgId(INTEGRITY_TRIP_SOURCE, trip.at), value: { at: trip.at, reason: trip.reason, figures: trip.figures } }]);
}

/** The trip of a failed run: the reason `integrity` and the counts by kind and the first bad seq. */
export function integrityTripOf(r: IntegrityResult): IntegrityTrip {
  const count = (k: string) => r.problems.filter((p) => p.kind === k).length;
  return {
    at: r.at,
    reason: 'integrity',
    figures: {
      problems: r.problems.length, chain: count('chain'), missing: count('missing'), extra: count('extra'), altered: count('altered'),
      firstBadSeq: Math.min(...r.problems.map((p) => p.seq)), from: r.from, to: r.to,
    },
  };
}
