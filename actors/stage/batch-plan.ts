/**
 * Pure planning of one fetched batch against the stage's checkpoint.
 *
 * POLICY: a stage applies stream messages strictly in sequence order, each exactly once.
 * - seq <= lastSeq: already applied (a redelivery after a crash between commit and ack): skip, ack.
 * - the contiguous run lastSeq+1, lastSeq+2, …: apply, then ack after the checkpoint commits.
 * - anything after a gap: not applied now, nak'd so it comes back once the gap is filled
 *   (after a crash, nak'd messages may be redelivered after newer ones; applying the newer ones
 *   first would move the checkpoint past the older ones and lose them).
 * A gap normally fills by itself: after a crash or a kill, the missing messages come back once
 * their ack_wait expires. The plan therefore never jumps a gap; the runner moves its position
 * only when the stream itself no longer holds the missing sequences (see `stage.actor.ts`).
 */
export interface Sequenced {
  seq: number;
}

export interface BatchPlan<M extends Sequenced> {
  skip: M[];
  apply: M[];
  defer: M[];
}

export function planBatch<M extends Sequenced>(messages: readonly M[], lastSeq: number): BatchPlan<M> {
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
      plan.defer.push(m);
      continue;
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
