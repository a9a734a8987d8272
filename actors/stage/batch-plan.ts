/**
 * Pure planning of one fetched batch against the stage's checkpoint.
 *
 * POLICY: a stage applies stream messages strictly in sequence order, each exactly once.
 * - seq <= lastSeq: already applied (a redelivery after a crash between commit and ack): skip, ack.
 * - the contiguous run lastSeq+1, lastSeq+2, …: apply, then ack after the checkpoint commits.
 * - anything after a gap: not applied now, nak'd so it comes back once the gap is filled
 *   (after a crash, nak'd messages may be redelivered after newer ones; applying the newer ones
 *   first would move the checkpoint past the older ones and lose them).
 * A gap that never fills (a message removed from the stream by limits) would stall the stage:
 * after `maxGapRounds` consecutive rounds on the same gap the plan accepts it and says so.
 */
export interface Sequenced {
  seq: number;
}

export interface BatchPlan<M extends Sequenced> {
  skip: M[];
  apply: M[];
  defer: M[];
  /** set when the plan jumped over a gap that did not fill in time */
  acceptedGap?: { from: number; to: number };
}

export function planBatch<M extends Sequenced>(
  messages: readonly M[],
  lastSeq: number,
  gapRounds: number,
  maxGapRounds: number,
): BatchPlan<M> {
  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  const plan: BatchPlan<M> = { skip: [], apply: [], defer: [] };
  let expected = lastSeq + 1;
  const seen = new Set<number>();
  for (const m of sorted) {
    if (m.seq < expected || seen.has(m.seq)) {
      plan.skip.push(m);
      continue;
    }
    if (m.seq > expected) {
      if (plan.apply.length === 0 && gapRounds >= maxGapRounds) {
        plan.acceptedGap = { from: expected, to: m.seq - 1 };
        expected = m.seq;
      } else {
        plan.defer.push(m);
        continue;
      }
    }
    seen.add(m.seq);
    plan.apply.push(m);
    expected = m.seq + 1;
  }
  // Once something was deferred, everything after it must wait too (order is preserved).
  if (plan.defer.length > 0) {
    const firstDeferred = plan.defer[0]!.seq;
    const late = plan.apply.filter((m) => m.seq > firstDeferred);
    plan.apply = plan.apply.filter((m) => m.seq < firstDeferred);
    plan.defer.push(...late);
  }
  return plan;
}
