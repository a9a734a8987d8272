/**
 * The stage runner's reorder buffer (docs/architecture.md "The stage runner").
 *
 * WHY: a stage waiting for a gap (the message after its checkpoint is out with a dead incarnation
 * and comes back only after ack_wait, 10 s) used to nak every later message it fetched, so it
 * fetched, deferred and nak'd hundreds of batches a second, and once the gap filled the nak'd
 * messages came back only after their nak delay, in small batches. Instead the runner keeps the
 * deferred messages here (delivered, unacked, not nak'd) and plans its next batch over what is
 * held and what it fetched; the filler and everything held after it then apply in one batch.
 *
 * POLICY:
 * - One message per stream sequence. A sequence delivered again (the server redelivered a held
 *   message after its ack_wait) keeps the newest delivery; the older handle is dropped, neither
 *   acked nor nak'd (the server settles a sequence once, whichever delivery it is).
 * - At most `limit` messages (the runner uses 2 × batchSize). Beyond it the highest sequences are
 *   nak'd at once (no delay): nothing is lost, and the lowest, which apply first, stay.
 * - Nothing held outlives the batch loop: the runner takes everything out at each batch (`take`:
 *   the batch owns it, and naks it if the batch fails) and naks what is held when the loop ends
 *   (`release`: stop, pause, reconnect, crash).
 *
 * No I/O, no timers: the nak is the message's own.
 */
export interface HeldMessage {
  seq: number;
  nak(delayMs?: number): void;
}

export class HeldMessages<M extends HeldMessage> {
  readonly #bySeq = new Map<number, M>();
  readonly limit: number;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a reorder buffer holds at least 1 message, got ${limit}`);
    this.limit = limit;
  }

  get size(): number {
    return this.#bySeq.size;
  }

  /** whether the buffer holds `limit` messages (a further deferred one would be nak'd) */
  get full(): boolean {
    return this.#bySeq.size >= this.limit;
  }

  /**
   * Everything held plus `fetched`, one message per sequence (a later delivery of a sequence
   * replaces an earlier one, whose handle is dropped), in sequence order. The buffer is empty
   * afterwards: the batch owns these messages.
   */
  take(fetched: readonly M[]): M[] {
    const merged = new Map(this.#bySeq);
    this.#bySeq.clear();
    for (const m of fetched) merged.set(m.seq, m);
    return [...merged.values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * Holds `deferred` (newest delivery per sequence); beyond `limit`, naks the highest sequences
   * (no delay) and returns them.
   */
  keep(deferred: readonly M[]): M[] {
    for (const m of deferred) this.#bySeq.set(m.seq, m);
    if (this.#bySeq.size <= this.limit) return [];
    const excess = [...this.#bySeq.keys()].sort((a, b) => b - a).slice(0, this.#bySeq.size - this.limit);
    const out: M[] = [];
    for (const seq of excess) {
      out.push(this.#bySeq.get(seq)!);
      this.#bySeq.delete(seq);
    }
    out.reverse();
    for (const m of out) m.nak();
    return out;
  }

  /** Naks everything held (no delay) and empties the buffer; returns how many. */
  release(): number {
    const all = [...this.#bySeq.values()];
    this.#bySeq.clear();
    for (const m of all) m.nak();
    return all.length;
  }
}
