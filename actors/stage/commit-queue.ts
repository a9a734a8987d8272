/**
 * Group commit behind the publish (FAKEOUT_COMMIT_AHEAD, docs/architecture.md "The stage runner").
 *
 * WHY: a batch's Postgres transaction (an fsync) took 10–20 ms on a busy machine, and the runner
 * waited for it before fetching again, so every message that arrived meanwhile waited for it too,
 * at every hop (figure (j) in docs/benchmarks.md). The downstream stage needs only the publish,
 * which comes before the commit anyway; the commit and the acks are what make a batch durable.
 * So the runner hands each published batch to this queue and fetches the next one, while the
 * queue commits what it was handed, in order, one transaction at a time, everything that piled up
 * during a transaction in the next one (a group commit).
 *
 * What stays as it was:
 * - POLICY: ack only after the commit: a batch's messages (applied and skipped) are acked after the
 *   transaction that holds its outputs and a checkpoint at or past it.
 * - A checkpoint is the processor's state after exactly the batches it covers: it is captured
 *   (`seal`) only between batches, never while the runner is applying one (`begin` … `add`).
 * - Transactions are strictly in order, and none runs after one failed: a later checkpoint
 *   covers the earlier batches' state, so it must never land without their outputs.
 * - On a failure the queue naks what it holds (nothing of it is durable), and the runner stops.
 *   A crash anywhere is then what it was: the messages come back, the next incarnation restores
 *   the last committed checkpoint and republishes the same ids (deduplicated).
 *
 * How often: at most one transaction every `intervalMs` (FAKEOUT_COMMIT_INTERVAL_MS), sooner once
 * `limit` messages wait (half of FAKEOUT_COMMIT_AHEAD, so the fetch never stalls on a full queue
 * while a commit could have started) and at once when the runner stops (`flush`). Each commit
 * rewrote the stage's whole checkpoint (the feature engine's is 100+ kB of JSON with 20 symbols),
 * so committing as often as the database allowed cost more CPU than the messages themselves; the
 * feature engine and the bar builder now save only their changed series (`checkpointParts`).
 * The decision is {@link commitDue}.
 *
 * No I/O here: the transaction and the snapshot are the runner's (`commit`, `seal`).
 */
import type { CheckpointText } from '../../adapters/db/checkpoints.repo.ts';

/** What {@link commitDue} decides: start a transaction now, wait (nothing to do or not allowed), or look again after `ms`. */
export type CommitDecision = { start: true } | { start: false; retryInMs?: number };

/**
 * Whether the queue starts its next transaction now. Pure.
 * POLICY: never while one is under way or the runner is applying (a snapshot then would be half a
 * batch), never after a failure.
 */
export function commitDue(s: {
  /** messages handed over and waiting (not in a transaction) */
  waiting: number;
  inFlight: boolean;
  applying: boolean;
  failed: boolean;
  /** the runner is stopping: commit what there is */
  flushing: boolean;
  /** ms since the previous transaction started (Infinity: none yet) */
  sinceLastMs: number;
  intervalMs: number;
  /** this many waiting messages start a transaction before the interval is over */
  limit: number;
}): CommitDecision {
  if (s.waiting === 0 || s.inFlight || s.applying || s.failed) return { start: false };
  if (s.flushing || s.waiting >= s.limit || s.sinceLastMs >= s.intervalMs) return { start: true };
  return { start: false, retryInMs: s.intervalMs - s.sinceLastMs };
}

/** One published batch, as the runner hands it over. */
export interface CommitBatch<Out, M extends { ack(): void; nak(delayMs?: number): void }> {
  outputs: readonly Out[];
  /** the batch's applied and skipped messages: acked once committed */
  acks: readonly M[];
  /** the stream sequence the batch advanced the processor to; undefined when it applied nothing */
  newLast: number | undefined;
  processed: number;
  skipped: number;
  bad: number;
  /** performance.now() when the batch's messages arrived */
  started: number;
}

/** Batches merged for one transaction, with the processor state captured after the last of them. */
export interface CommitGroup<Out, M extends { ack(): void; nak(delayMs?: number): void }> {
  outputs: Out[];
  acks: M[];
  /** the checkpoint's sequence; undefined: the batches applied nothing, there is only acking to do */
  newLast: number | undefined;
  /** the sealed state (present when newLast is) */
  sealed: Sealed | undefined;
  processed: number;
  skipped: number;
  bad: number;
  started: number;
  batches: number;
}

/** What `seal` captured: the checkpoint as JSON text (frozen, later applies cannot change it), and what to report once committed. */
export interface Sealed extends CheckpointText {
  report?: (() => void) | undefined;
}

export interface CommitQueueOptions<Out, M extends { ack(): void; nak(delayMs?: number): void }> {
  /** one transaction for the group, then the acks; throwing fails the queue */
  commit(group: CommitGroup<Out, M>): Promise<void>;
  /** captures the processor's state now (called only between batches) */
  seal(): Sealed;
  /** at most one transaction started per this many ms (unless `limit` messages wait or flushing); 0: back to back */
  intervalMs: number;
  /** waiting messages that start a transaction before the interval is over */
  limit: number;
  /** performance.now() or a test's clock */
  now?: () => number;
}

export class CommitQueue<Out, M extends { ack(): void; nak(delayMs?: number): void }> {
  readonly #opts: CommitQueueOptions<Out, M>;
  /** handed over, not yet in a transaction */
  #pending: CommitGroup<Out, M> | undefined;
  /** the transaction under way and its messages */
  #inFlight: { done: Promise<void>; size: number } | undefined;
  #applying = false;
  #error: { err: unknown } | undefined;
  #waiters: (() => void)[] = [];
  #lastStart = Number.NEGATIVE_INFINITY;
  #flushing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #failListeners = new Set<() => void>();

  constructor(opts: CommitQueueOptions<Out, M>) {
    this.#opts = opts;
  }

  /** Messages handed over and not yet committed (acked). */
  get ahead(): number {
    return (this.#pending?.acks.length ?? 0) + (this.#inFlight?.size ?? 0);
  }

  /** The first failure, if any (`{ err }`, so that a thrown `undefined` still counts). */
  get failure(): { err: unknown } | undefined {
    return this.#error;
  }

  /**
   * Calls `cb` once if the queue fails (at once if it has); returns the unsubscribe. (Not a promise
   * raced against every fetch: each race would leave a reaction on a promise that never settles.)
   */
  onFail(cb: () => void): () => void {
    if (this.#error) {
      cb();
      return () => undefined;
    }
    this.#failListeners.add(cb);
    return () => this.#failListeners.delete(cb);
  }

  /** The runner starts applying a batch: no state may be captured until `add`. */
  begin(): void {
    this.#applying = true;
  }

  /** The runner published a batch; it is committed with the next transaction. */
  add(batch: CommitBatch<Out, M>): void {
    this.#applying = false;
    if (this.#error) {
      for (const m of batch.acks) m.nak();
      return;
    }
    // POLICY: `#pending` is undefined or holds something to commit or ack. A batch with nothing
    // (every message deferred: the runner waiting for a gap, which is what a leader kill leaves)
    // is not kept as a group: no transaction would ever take a group of no messages (commitDue
    // counts messages), so flush() waited for it forever and the stage could neither stop nor
    // reconnect (the cluster e2e stall: the consumer's messages all ack pending, none fetched).
    if (batch.acks.length > 0 || batch.outputs.length > 0 || batch.newLast !== undefined) this.#pending = mergeBatch(this.#pending, batch);
    // also when nothing was added: a commit may have been waiting for the batch to be handed over
    this.#kick();
  }

  /** Resolves once fewer than `limit` messages wait for their commit, or the queue failed. */
  async room(limit: number): Promise<void> {
    while (!this.#error && this.ahead >= limit) await new Promise<void>((r) => this.#waiters.push(r));
  }

  /** Commits everything handed over and resolves when done; throws the queue's failure. */
  async flush(): Promise<void> {
    this.#flushing = true;
    this.#kick();
    while (!this.#error && (this.#inFlight || this.#pending)) {
      await new Promise<void>((r) => this.#waiters.push(r));
      this.#kick();
    }
    if (this.#error) throw this.#error.err;
  }

  /**
   * After the runner failed: waits for the transaction under way (it may still commit; its
   * checkpoint is then the one the next incarnation restores), starts none, naks the rest.
   */
  async abandon(): Promise<void> {
    this.#fail(new Error('abandoned'));
    await this.#inFlight?.done;
  }

  #kick(): void {
    const now = this.#opts.now ? this.#opts.now() : performance.now();
    const decision = commitDue({
      // a group counts as waiting even without messages (outputs only): flush() must never wait on one that no transaction takes
      waiting: this.#pending === undefined ? 0 : Math.max(1, this.#pending.acks.length), inFlight: this.#inFlight !== undefined, applying: this.#applying, failed: this.#error !== undefined,
      flushing: this.#flushing, sinceLastMs: now - this.#lastStart, intervalMs: this.#opts.intervalMs, limit: this.#opts.limit,
    });
    if (!decision.start) {
      if (decision.retryInMs !== undefined && this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#kick();
        }, decision.retryInMs);
      }
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastStart = now;
    const group = this.#pending!;
    this.#pending = undefined;
    if (group.newLast !== undefined) group.sealed = this.#opts.seal();
    const size = group.acks.length;
    const done = this.#opts.commit(group).then(
      () => {
        this.#inFlight = undefined;
        this.#kick();
        this.#wake();
      },
      (err: unknown) => {
        this.#inFlight = undefined;
        for (const m of group.acks) m.nak();
        this.#fail(err);
      },
    );
    this.#inFlight = { done, size };
  }

  #fail(err: unknown): void {
    this.#error ??= { err };
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const rest = this.#pending;
    this.#pending = undefined;
    for (const m of rest?.acks ?? []) m.nak();
    const listeners = [...this.#failListeners];
    this.#failListeners.clear();
    for (const cb of listeners) cb();
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const r of w) r();
  }
}

/** The group after `batch` joined it (a new group when there is none). Pure. */
export function mergeBatch<Out, M extends { ack(): void; nak(delayMs?: number): void }>(
  group: CommitGroup<Out, M> | undefined,
  batch: CommitBatch<Out, M>,
): CommitGroup<Out, M> {
  const g: CommitGroup<Out, M> = group ?? {
    outputs: [], acks: [], newLast: undefined, sealed: undefined, processed: 0, skipped: 0, bad: 0, started: batch.started, batches: 0,
  };
  g.outputs.push(...batch.outputs);
  g.acks.push(...batch.acks);
  if (batch.newLast !== undefined) g.newLast = batch.newLast;
  g.processed += batch.processed;
  g.skipped += batch.skipped;
  g.bad += batch.bad;
  g.batches += 1;
  return g;
}
