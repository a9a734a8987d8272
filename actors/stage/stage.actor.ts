/**
 * Runs one pipeline stage: the stage machine (machines/stage.machine.ts) wired to a durable
 * JetStream pull consumer, a pure processor and Postgres.
 *
 * One batch, in this order (POLICY: ack only after the effect is durable):
 *   1. fetch up to `batchSize` messages; plan them against the checkpoint (batch-plan.ts);
 *   2. apply the contiguous run to the processor (pure, in memory);
 *   2b. when the stage has one, run its asynchronous effect (a broker call) on the outputs (after
 *      each input's apply with `effectEach`, else once on the run's outputs); every
 *      effect carries an idempotency key and its target recognises a repeat (see `effect`);
 *   3. publish the outputs downstream, each with its deterministic Nats-Msg-Id, awaiting acks;
 *   4. in ONE Postgres transaction: insert the outputs (ON CONFLICT DO NOTHING on their ids)
 *      and save the checkpoint {last applied stream seq, processor snapshot};
 *   5. ack the applied and skipped messages; hold the deferred ones (held-messages.ts) for the
 *      next batch, which is planned over what is held and what it fetched.
 * A crash between 3 and 4 republishes the same ids (deduplicated by JetStream within the
 * duplicate window, and by the primary keys in Postgres). A crash between 4 and 5 redelivers
 * messages at or below the checkpoint, which are skipped. A crash after the effect and before the
 * commit re-applies the same inputs to the restored processor and re-runs the effect with the same
 * keys, which its target answers with the first result instead of acting twice. Either way a restarted incarnation
 * rebuilds the processor from the checkpoint and the final state is the same.
 */
import { createActor, fromCallback, fromPromise, type ActorRefFrom } from 'xstate';
import { stageMachine, type StageEvent } from '../../machines/stage.machine.ts';
import { errorText, FakeoutError } from '../domain/errors.ts';
import { DEFAULT_COMMIT_AHEAD, DEFAULT_COMMIT_INTERVAL_MS } from '../domain/config.ts';
import { checkpointText, loadCheckpoint, saveCheckpointText, type CheckpointParts, type CheckpointText } from '../../adapters/db/index.ts';
import { planBatch } from './batch-plan.ts';
import { CommitQueue, type CommitGroup } from './commit-queue.ts';
import { HeldMessages } from './held-messages.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyDb, Bus, ConfigReader, ConnectionWatch, DeliveredMessage, Logger, OutboundMessage, StageConsumer, StageMetrics } from './ports.ts';
import type { GovernedVersion } from '../config/governed.ts';

export interface StageProcessor<In, Out> {
  apply(input: In, seq: number): Out[];
  /** plain JSON; `create(snapshot)` must continue exactly where this left off */
  snapshot(): unknown;
  /**
   * Optional, for a state that is mostly per-series: the same state as `snapshot()` as a head and
   * keyed parts, giving only the parts changed since the previous call (all of them on a new
   * processor's first). The runner then saves only those (adapters/db/checkpoints.repo.ts), and
   * `create` gets the joined state, equal to `snapshot()`. Called only between batches, once per
   * checkpoint, and a processor whose checkpoint failed is never used again (the stage restarts
   * from the last committed one), so a capture's parts are never needed twice.
   */
  checkpointParts?(): CheckpointParts;
  /**
   * Called once the batch this processor applied is committed (after the definition's
   * afterCommit): the place to report what the processor noticed while applying (counters,
   * logs), exactly once per committed batch. A batch that fails is never reported: the next
   * incarnation starts from the checkpoint with a new processor.
   */
  afterCommit?(): void;
  /**
   * Optional, for processors with something to report (the bar builder's late events): called
   * when the runner captures the state for a checkpoint (with `snapshot`, between batches); the
   * function returned is called once that checkpoint committed, in place of `afterCommit`. With
   * the commit behind the publish (FAKEOUT_COMMIT_AHEAD) the processor may have applied newer
   * batches by the time a checkpoint commits, so what to report must be taken with the snapshot.
   */
  takeReport?(): () => void;
}

export interface StageDefinition<In, Out> {
  /** durable consumer name, checkpoint key, metric label, supervision id */
  name: string;
  stream: string;
  /**
   * The subject filter of its consumer when it reads one partition's symbols (`raw.*.*.p0of2`,
   * docs/architecture.md "Partitioned processes"); undefined: it reads every message of the stream.
   * Set by the role table, never by a stage itself.
   */
  filterSubject?: string;
  /** validates one message body (its subject given for streams that carry several kinds); throwing marks it bad (reported, acked, never applied) */
  decode(value: unknown, subject: string): In;
  /**
   * optional: a message whose body is not JSON; returns the input to apply anyway, or undefined
   * (the default) to mark it bad. The gateway uses it so a trip with a garbled body still trips.
   */
  decodeUnreadable?(subject: string, error: string): In | undefined;
  create(snapshot: unknown | undefined): StageProcessor<In, Out>;
  toPublish(outputs: readonly Out[]): OutboundMessage[];
  persist(tx: AnyDb, outputs: readonly Out[]): Promise<void>;
  /**
   * What differs between a checkpoint's settings and the current config, if anything. The
   * checkpoint's settings are kept (its open bars and windows were built with them); the stage
   * says so at start rather than silently ignoring the config.
   */
  drift?(snapshot: unknown): string | undefined;
  /** called once the batch's transaction committed (counters, not effects) */
  afterCommit?(outputs: readonly Out[]): void;
  /**
   * The stage's one asynchronous effect on the outside world (an order sent to a broker), run on
   * the batch's outputs after `apply` and before anything is published or committed; it returns
   * the outputs to publish and persist (typically with the effect's result recorded on them).
   *
   * POLICY: exactly once at the target, not at-most-once here. Each effect carries an
   * idempotency key derived from the input (a client order id from the signal id), and the target
   * refuses a second request with that key and reports the first one's result (as exchanges do
   * with client order ids). A batch that crashes after its effect and before its commit runs the
   * effect again after the restart, with the same keys; the target answers "already done"; the
   * outputs are the same.
   */
  effect?(outputs: readonly Out[]): Promise<Out[]>;
  /**
   * Run the effect after each input's `apply` (on that input's outputs), not once on the whole
   * batch's: an input is then applied knowing the effects of the inputs before it (the gateway
   * feeds the broker's answers and fills back to its processor in the effect). Still one
   * publish and one transaction per batch.
   */
  effectEach?: boolean;
  /**
   * Wraps the batch's applies and effects (e.g. in one unit at the effect's target): the
   * gateway's broker commits a whole batch's calls at once (PaperBroker.batch). A throw fails the
   * batch as an effect's throw does.
   */
  aroundEffects?<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Governed config (docs/config.md): called with the current version read from the KV bucket
   * `config` once per batch, before the batch's first `apply`, so a change applies at a batch
   * boundary and never in the middle of one. The stage records the version on what it writes.
   */
  useConfig?(current: GovernedVersion): void;
}

export interface StageDeps {
  bus: Bus;
  db: AnyDb;
  metrics: StageMetrics;
  log: Logger;
  batchSize: number;
  /** how long one fetch waits for messages; also bounds how late an injected fault fires when idle */
  fetchExpiresMs?: number;
  /** the governed config (KV bucket `config`), read at each batch by stages that define `useConfig` */
  config?: ConfigReader;
  /**
   * FAKEOUT_COMMIT_AHEAD: at most this many messages published and not yet committed (acked); the
   * next fetch waits below it. 0: each batch commits before the next fetch. A stage with an effect
   * or a filtered consumer (a partition) always commits each batch first. Default {@link DEFAULT_COMMIT_AHEAD}.
   */
  commitAhead?: number;
  /** FAKEOUT_COMMIT_INTERVAL_MS: with the commit behind the publish, at most one transaction per this many ms (sooner once half of `commitAhead` waits). Default {@link DEFAULT_COMMIT_INTERVAL_MS}. */
  commitIntervalMs?: number;
}


export type StageActor = ActorRefFrom<typeof stageMachine>;

/** Where an injected fault fires; alternates so tests hit both dangerous windows. */
type FaultPoint = 'after-effect' | 'after-publish' | 'after-commit';
const faultCounts = new Map<string, number>();
/** connected, but JetStream still answers "not available" after this long: a real failure */
const TRANSIENT_GIVE_UP_MS = 60_000;


/** Starts one incarnation of the stage as a running XState actor (a supervisor child's `start`). */
export function startStageActor<In, Out>(def: StageDefinition<In, Out>, deps: StageDeps): StageActor {
  const log = deps.log.child({ actor: def.name });
  const expiresMs = deps.fetchExpiresMs ?? 500;
  let consumer: StageConsumer | undefined;
  let processor: StageProcessor<In, Out> | undefined;
  let lastSeq = 0;
  let loop: Promise<void> = Promise.resolve();

  const prepareNow = async () => {
    const cp = await loadCheckpoint<unknown>(deps.db, def.name);
    const drift = cp ? def.drift?.(cp.state) : undefined;
    if (drift) log.warn({ drift }, 'config differs from the checkpoint; the checkpoint settings stay in force (use a new FAKEOUT_DATA_DIR / database to apply them)');
    processor = def.create(cp?.state);
    lastSeq = cp ? cp.lastSeq : (await deps.bus.firstSeq(def.stream)) - 1;
    consumer = await deps.bus.openConsumer(def.stream, def.name);
    log.info({ lastSeq, resumed: cp !== undefined }, 'stage prepared');
  };
  // With a connection watch: wait for NATS to be reachable (as long as it takes: a server that is
  // down is a state, not a failure), then prepare; a transient JetStream error (no leader yet after
  // a node died) is retried for up to TRANSIENT_GIVE_UP_MS before it counts as a failure.
  const conn = deps.bus.connection;
  const prepareWhenReachable = async () => {
    if (!conn) return prepareNow();
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      await conn.whenUp();
      try {
        return await prepareNow();
      } catch (err) {
        const transient = conn.isTransient(err) || !conn.isUp();
        if (!transient || performance.now() - started > TRANSIENT_GIVE_UP_MS) throw err;
        if (attempt % 10 === 1) log.info({ attempt, reason: errorText(err) }, 'NATS not available yet; retrying');
        await sleep(Math.min(100 * attempt, 1_000));
      }
    }
  };
  const prepare = fromPromise(prepareWhenReachable);
  // After CONNECTION_LOST: the interrupted batch ends first (its messages go back unacked), then the
  // stage prepares afresh from its checkpoint, as a new incarnation would, without being one.
  const reconnect = fromPromise(async () => {
    await loop;
    await prepareWhenReachable();
    log.info({ lastSeq }, 'stage reconnected');
  });

  const work = fromCallback<StageEvent>(({ sendBack, receive }) => {
    let stopping = false;
    let fault: { reason: string; at: FaultPoint } | undefined;
    let gapRounds = 0;
    let lastPendingAt = 0;
    receive((event) => {
      if (event.type !== 'FAULT') return;
      const n = (faultCounts.get(def.name) ?? 0) + 1;
      faultCounts.set(def.name, n);
      const points: FaultPoint[] = def.effect ? ['after-effect', 'after-publish', 'after-commit'] : ['after-publish', 'after-commit'];
      fault = { reason: event.reason ?? 'injected', at: points[(n - 1) % points.length]! };
    });
    const check = (point: FaultPoint | 'idle') => {
      if (fault && (point === 'idle' || point === fault.at)) {
        throw new FakeoutError('FAKEOUT_ERR_STAGE_FAULT', `fault injected into ${def.name} (${point}): ${fault.reason}`);
      }
    };

    // The commit behind the publish (commit-queue.ts): not for a stage with an effect (its effect
    // must see the previous batch committed) nor for a partition (planFiltered counts on every
    // unacked message of the consumer being in the batch at hand).
    const commitAhead = deps.commitAhead ?? DEFAULT_COMMIT_AHEAD;
    const proc = processor;
    const queue = commitAhead > 0 && !def.effect && def.filterSubject === undefined && proc
      ? new CommitQueue<Out, DeliveredMessage>({
        seal: () => {
          const p = proc;
          return { ...captureCheckpoint(p), report: p.takeReport?.() ?? (p.afterCommit ? () => p.afterCommit!() : undefined) };
        },
        commit: (g) => commitGroup(g),
        intervalMs: deps.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
        limit: Math.max(1, Math.floor(commitAhead / 2)),
      })
      : undefined;

    const commitGroup = async (g: CommitGroup<Out, DeliveredMessage>) => {
      if (g.newLast !== undefined && g.sealed !== undefined) {
        const { newLast, sealed } = g;
        await deps.db.transaction().execute(async (tx) => {
          await def.persist(tx, g.outputs);
          await saveCheckpointText(tx, def.name, newLast, sealed);
        });
        def.afterCommit?.(g.outputs);
        sealed.report?.();
      }
      check('after-commit');
      for (const m of g.acks) m.ack();
      const counts = { processed: g.processed, skipped: g.skipped, bad: g.bad };
      deps.metrics.observeBatch(def.name, (performance.now() - g.started) / 1000, counts);
      sendBack({ type: 'BATCH', ...counts });
    };

    /** The next batch; with the queue, given up (its messages nak'd) as soon as the queue fails. */
    const fetchNext = async (c: StageConsumer): Promise<DeliveredMessage[]> => {
      if (!queue) return c.fetchBatch(deps.batchSize, expiresMs);
      await queue.room(commitAhead);
      if (queue.failure) throw queue.failure.err;
      const fetching = c.fetchBatch(deps.batchSize, expiresMs);
      let unsubscribe = () => undefined as unknown;
      const msgs = await new Promise<DeliveredMessage[] | undefined>((resolve, reject) => {
        unsubscribe = queue.onFail(() => resolve(undefined));
        fetching.then(resolve, reject);
      }).finally(() => unsubscribe());
      if (msgs === undefined) {
        fetching.then((late) => { for (const m of late) m.nak(); }, () => undefined);
        throw queue.failure!.err;
      }
      return msgs;
    };

    // The reorder buffer: messages after a gap wait here (delivered, unacked, not nak'd) and each
    // batch is planned over them and what it fetched, so the batch that brings the gap's filler
    // applies them too. At most 2 × batchSize: a gap's wait is ack_wait (10 s) of a dead
    // incarnation's messages, and what arrives meanwhile beyond that is nak'd (no delay) and
    // fetched again later. Every path out of the loop naks what is held (`release`).
    const held = new HeldMessages<DeliveredMessage>(2 * deps.batchSize);
    /** the previous batch applied nothing and had to nak held messages beyond the bound */
    let overflowed = false;

    const runBatch = async (c: StageConsumer, p: StageProcessor<In, Out>) => {
      // The buffer is full and nothing applies: the messages nak'd beyond it would come straight
      // back with the next fetch (a redelivery goes first), so wait out one fetch expiry first.
      if (overflowed) {
        overflowed = false;
        await sleep(expiresMs);
        if (stopping) return;
      }
      const fetched = await fetchNext(c);
      if (fetched.length === 0 && held.size === 0) {
        check('idle');
        await reportPending(c);
        return;
      }
      // From here the batch owns every held message too: if it does not complete, all go back.
      const msgs = held.take(fetched);
      let settled = false;
      try {
        // A fetch that got nothing waited out its expiry; what is held is planned again (the
        // stream may have dropped the gap meanwhile), once per expiry, not in a busy loop.
        if (fetched.length === 0) check('idle');
        const started = performance.now();
        let plan = def.filterSubject === undefined ? planBatch(msgs, lastSeq) : await planFiltered(c, msgs, def.filterSubject);
        if (plan.apply.length === 0 && plan.defer.length > 0 && def.filterSubject !== undefined) {
          gapRounds++;
          if (gapRounds % 20 === 1) log.info({ after: lastSeq, deferred: plan.defer.length }, 'waiting for an earlier message of this partition to be redelivered');
        } else if (plan.apply.length === 0 && plan.defer.length > 0) {
          // Waiting for lastSeq+1. It comes back by itself after ack_wait when a previous
          // incarnation (or process) died holding it; only a sequence the stream no longer has
          // (removed by limits or by hand) is skipped, and said so.
          gapRounds++;
          const first = await deps.bus.firstSeq(def.stream);
          if (first > lastSeq + 1) {
            log.warn({ from: lastSeq + 1, to: first - 1 }, 'sequences no longer in the stream; moving past them');
            lastSeq = first - 1;
            plan = planBatch(msgs, lastSeq);
          } else if (gapRounds % 20 === 1) {
            log.info({ waitingFor: lastSeq + 1, deferred: plan.defer.length }, 'waiting for an earlier message to be redelivered');
          }
        } else {
          gapRounds = 0;
        }
        queue?.begin();
        // POLICY: one config version per batch, read before its first message is applied
        if (def.useConfig && deps.config && plan.apply.length > 0) def.useConfig(await deps.config.current());
        const outputs: Out[] = [];
        let bad = 0;
        const applyAll = async (): Promise<Out[]> => {
          for (const m of plan.apply) {
            let input: In;
            try {
              if (m.decodeError !== undefined) {
                const rescued = def.decodeUnreadable?.(m.subject, String(m.decodeError));
                if (rescued === undefined) throw m.decodeError;
                input = rescued;
              } else {
                input = def.decode(m.value, m.subject);
              }
            } catch (err) {
              bad++;
              log.warn({ seq: m.seq, subject: m.subject, reason: errorText(err) }, 'bad message skipped');
              continue;
            }
            const applied = p.apply(input, m.seq);
            for (const out of def.effect && def.effectEach && applied.length > 0 ? await def.effect(applied) : applied) outputs.push(out);
          }
          return def.effect && !def.effectEach && outputs.length > 0 ? await def.effect(outputs) : outputs;
        };
        const newLast = plan.apply.length > 0 ? plan.apply[plan.apply.length - 1]!.seq : lastSeq;
        const settledOutputs = def.aroundEffects === undefined ? await applyAll() : await def.aroundEffects(applyAll);
        if (def.effect) check('after-effect');
        const outbound = def.toPublish(settledOutputs);
        if (outbound.length > 0) await deps.bus.publishMany(outbound);
        check('after-publish');
        if (queue) {
          queue.add({
            outputs: settledOutputs, acks: [...plan.apply, ...plan.skip], newLast: newLast !== lastSeq ? newLast : undefined,
            processed: plan.apply.length - bad, skipped: plan.skip.length, bad, started,
          });
          lastSeq = newLast;
          overflowed = held.keep(plan.defer).length > 0 && plan.apply.length === 0;
          settled = true;
          if (performance.now() - lastPendingAt > 1000) await reportPending(c);
          return;
        }
        if (newLast !== lastSeq) {
          const checkpoint = captureCheckpoint(p);
          await deps.db.transaction().execute(async (tx) => {
            await def.persist(tx, settledOutputs);
            await saveCheckpointText(tx, def.name, newLast, checkpoint);
          });
          lastSeq = newLast;
          def.afterCommit?.(settledOutputs);
          p.afterCommit?.();
        }
        check('after-commit');
        const acked = [...plan.apply, ...plan.skip];
        // A partition's next plan counts the consumer's unacked messages (planFiltered): the
        // server must have taken these acks by then, so the last one waits for its confirmation.
        const last = acked[acked.length - 1];
        const confirmed = def.filterSubject !== undefined && last?.ackSync ? last : undefined;
        for (const m of acked) if (m !== confirmed) m.ack();
        await confirmed?.ackSync?.();
        overflowed = held.keep(plan.defer).length > 0 && plan.apply.length === 0;
        settled = true;
        const counts = { processed: plan.apply.length - bad, skipped: plan.skip.length, bad };
        deps.metrics.observeBatch(def.name, (performance.now() - started) / 1000, counts);
        sendBack({ type: 'BATCH', ...counts });
        if (performance.now() - lastPendingAt > 1000) await reportPending(c);
      } finally {
        // A batch that did not complete goes back at once (what was held with it too), so the next
        // incarnation need not wait out ack_wait. (A killed process cannot; then ack_wait redelivers.)
        if (!settled) for (const m of msgs) m.nak();
      }
    };

    /**
     * The plan of a batch from a filtered consumer (one partition), whose sequences have gaps:
     * the other partitions' messages. POLICY: still every message of the partition in stream
     * order, none skipped. The consumer delivers new messages in stream order, so every message of
     * the filter below the batch's highest was delivered before; it was acked (then it is at or
     * below the checkpoint: acks follow commits) or it is still unacked. When the consumer's only
     * unacked messages are this batch's (held ones included: `msgs` is what is held and what was
     * fetched), nothing is missing: apply all of it. Otherwise another
     * incarnation's messages are out (a killed process's, back after ack_wait): ask the stream for
     * the filter's next sequence after each applied one and stop at the first that is not here.
     */
    const planFiltered = async (c: StageConsumer, msgs: readonly DeliveredMessage[], filter: string) => {
      const seqs = [...new Set(msgs.map((m) => m.seq))].sort((a, b) => a - b);
      if ((await c.pending()).ackPending === seqs.length) return planBatch(msgs, lastSeq, () => true);
      if (!deps.bus.nextSeq) throw new Error(`stage ${def.name} reads a filtered consumer, but its bus cannot find a subject's next sequence`);
      const follows = new Set<number>();
      let prev = lastSeq;
      for (const seq of seqs) {
        if (seq <= lastSeq) continue;
        if ((await deps.bus.nextSeq(def.stream, filter, prev + 1)) !== seq) break;
        follows.add(seq);
        prev = seq;
      }
      return planBatch(msgs, lastSeq, (_prev, seq) => follows.has(seq));
    };

    const reportPending = async (c: StageConsumer) => {
      lastPendingAt = performance.now();
      try {
        const p = await c.pending();
        deps.metrics.setPending(def.name, p.numPending + p.ackPending);
      } catch {
        // Pending is a gauge for operators; failing to read it must not crash the stage.
      }
    };

    // POLICY: one consume loop at a time. Leaving `running` (PAUSE) only asks the loop to stop
    // after its in-flight batch; a RESUME that comes before that batch is durable must not start
    // a second loop beside it (two loops would apply, publish and checkpoint the same processor
    // concurrently). The new loop starts once the previous one has returned.
    const previous = loop;
    loop = (async () => {
      await previous;
      if (stopping) return;
      let dropsBefore = conn?.drops() ?? 0;
      try {
        if (!consumer || !processor) throw new Error('stage not prepared');
        while (!stopping) {
          dropsBefore = conn?.drops() ?? 0;
          await runBatch(consumer, processor);
        }
        // what waits for a gap goes back at once, for the next loop or incarnation
        held.release();
        // POLICY: a stage that stops (drain, pause) leaves nothing published and uncommitted
        await queue?.flush();
      } catch (err) {
        // what is not committed goes back (nak'd), what is held too; a transaction under way
        // finishes first, so the next incarnation reads the checkpoint after it
        held.release();
        await queue?.abandon();
        if (conn && lostConnection(conn, err, dropsBefore)) {
          log.warn({ reason: errorText(err) }, 'NATS unavailable; reconnecting');
          sendBack({ type: 'CONNECTION_LOST', reason: errorText(err) });
          return;
        }
        log.error({ reason: errorText(err) }, 'stage crashed');
        sendBack({ type: 'WORK_ERROR', error: errorText(err) });
      }
    })();
    return () => {
      stopping = true;
    };
  });

  const drain = fromPromise(() => loop);
  const machine = stageMachine.provide({ actors: { prepare, work, drain, reconnect } });
  const actor = createActor(machine, { input: { stage: def.name } });
  if (conn) {
    const unwatch = conn.onChange((up) => {
      if (actor.getSnapshot().status !== 'active') return unwatch();
      if (!up) actor.send({ type: 'CONNECTION_LOST', reason: 'NATS connection lost' });
    });
    actor.subscribe({ complete: unwatch, error: unwatch });
  }
  return actor.start();
}

/** The processor's state now, serialised for its checkpoint: in parts when it keeps them. */
function captureCheckpoint(p: StageProcessor<never, unknown>): CheckpointText {
  return p.checkpointParts ? checkpointText(p.checkpointParts()) : { json: JSON.stringify(p.snapshot()) };
}

/**
 * Whether a failed batch failed because NATS went away (the connection dropped during it, is down
 * now, or JetStream answered "not available"), rather than because of the batch itself.
 * An injected fault is always a crash.
 */
function lostConnection(conn: ConnectionWatch, err: unknown, dropsBefore: number): boolean {
  if (err instanceof FakeoutError && err.code === 'FAKEOUT_ERR_STAGE_FAULT') return false;
  return conn.drops() !== dropsBefore || !conn.isUp() || conn.isTransient(err);
}
