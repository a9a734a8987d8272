/**
 * Pure planning of one fetched batch against the stage's checkpoint.
 *
 * POLICY: a stage applies stream messages strictly in sequence order, each exactly once.
 * - seq <= lastSeq: already applied (a redelivery after a crash between commit and ack): skip, ack.
 * - the contiguous run lastSeq+1, lastSeq+2, …: apply, then ack after the checkpoint commits.
 * - anything after a gap: not applied now; the runner holds it (held-messages.ts) and plans it
 *   again with the next fetch, until the gap is filled (after a crash, the missing messages are
 *   redelivered after newer ones; applying the newer ones first would move the checkpoint past
 *   the older ones and lose them).
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

/**
 * @param follows whether `seq` is the next message the stage must apply after `prev` (default:
 *   `seq === prev + 1`, every message of the stream). A stage on a filtered consumer (one
 *   partition's symbols, docs/architecture.md "Partitioned processes") reads only some sequences,
 *   so its runner says which ones follow (see `stage.actor.ts`).
 */
export function planBatch<M extends Sequenced>(messages: readonly M[], lastSeq: number, follows: (prev: number, seq: number) => boolean = (prev, seq) => seq === prev + 1): BatchPlan<M> {
  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  const plan: BatchPlan<M> = { skip: [], apply: [], defer: [] };
  let last = lastSeq;
  const seen = new Set<number>();
  for (const m of sorted) {
    if (m.seq <= last || seen.has(m.seq)) {
      plan.skip.push(m);
      continue;
    }
    // Once something was deferred, everything after it must wait too (order is preserved).
    if (plan.defer.length > 0 || !follows(last, m.seq)) {
      plan.defer.push(m);
      continue;
    }
    seen.add(m.seq);
    plan.apply.push(m);
    last = m.seq;
  }
  return plan;
}
