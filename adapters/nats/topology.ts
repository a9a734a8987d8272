/**
 * The JetStream topology, declared once as data and applied idempotently at start-up:
 * add what is missing, update what differs, never delete anything.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { checkReplicasFit, placing, replicasRefusal } from './replicas.ts';

/** One stream. Upper-case names so `nats stream ls` reads naturally. */
export type StreamSpec = {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly description: string;
  /** window within which a repeated Nats-Msg-Id is dropped as a duplicate */
  readonly duplicateWindowMs: number;
  /** deny_delete + deny_purge: the server refuses to remove any message */
  readonly immutable: boolean;
};

/** One durable pull consumer, named after the actor that reads it. */
export type ConsumerSpec = {
  readonly stream: string;
  readonly durable: string;
  readonly description: string;
  readonly filterSubject?: string;
  /** redelivery after this long without an ack */
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
  /** -1 = redeliver forever: a poison message must be handled by the actor, never silently dropped */
  readonly maxDeliver: number;
};

export type Topology = {
  readonly streams: readonly StreamSpec[];
  readonly consumers: readonly ConsumerSpec[];
};

const MINUTE_MS = 60_000;

/** The knobs every pipeline consumer shares. */
const PIPELINE_CONSUMER = {
  // A batch commits in well under a second; after a process is killed its in-flight messages
  // come back after this. A slower batch being redelivered is harmless (the stage skips
  // sequences at or below its checkpoint).
  ackWaitMs: 10_000,
  // large enough that a 10k-row replay flows without the consumer stalling on acks
  maxAckPending: 20_000,
  maxDeliver: -1,
} as const;

/** The fakeout topology. docs/architecture.md ("JetStream topology") describes the same table. */
export const TOPOLOGY: Topology = Object.freeze({
  streams: Object.freeze([
    // RAW: 2 minutes is the webhook retry horizon; ingest dedupes by event id within it, and the
    // Postgres mirror (ON CONFLICT DO NOTHING) covers the rest.
    {
      name: 'RAW',
      subjects: ['raw.>'],
      description: 'raw market events as received; immutable',
      duplicateWindowMs: 2 * MINUTE_MS,
      immutable: true,
    },
    // Derived streams: an hour, because a restarted stage may re-publish a whole replay's worth
    // of results with the same deterministic ids and must not create duplicates.
    { name: 'BARS', subjects: ['bars.>'], description: 'closed OHLCV bars', duplicateWindowMs: 60 * MINUTE_MS, immutable: false },
    { name: 'FEATURES', subjects: ['features.>'], description: 'per-bar features', duplicateWindowMs: 60 * MINUTE_MS, immutable: false },
    { name: 'SCORES', subjects: ['scores.>'], description: 'every fakeout score', duplicateWindowMs: 60 * MINUTE_MS, immutable: false },
    { name: 'SIGNALS', subjects: ['signals.>'], description: 'scores at or above the trigger', duplicateWindowMs: 60 * MINUTE_MS, immutable: false },
    // ORDERS: the execution side's record (intents, approvals, rejections, sends, fills,
    // positions). Only the gateway user publishes here (nats.conf). A day of duplicate window:
    // an order id must never be accepted twice however late a redelivery comes.
    {
      name: 'ORDERS',
      subjects: ['orders.>', 'fills.>', 'positions.>', 'risk.>'],
      description: 'order intents, approvals, sends, fills and positions; gateway only',
      duplicateWindowMs: 24 * 60 * MINUTE_MS,
      immutable: true,
    },
    { name: 'AUDIT', subjects: ['audit.>'], description: 'the audit log, mirrored; append-only', duplicateWindowMs: 60 * MINUTE_MS, immutable: true },
  ]),
  consumers: Object.freeze([
    { stream: 'RAW', durable: 'raw-archiver', description: 'mirrors RAW into Postgres raw_events', ...PIPELINE_CONSUMER },
    { stream: 'RAW', durable: 'bar-builder', description: 'raw events to closed bars', ...PIPELINE_CONSUMER },
    { stream: 'BARS', durable: 'feature-engine', description: 'bars to features', ...PIPELINE_CONSUMER },
    { stream: 'FEATURES', durable: 'scoring-engine', description: 'features to scores and signals', ...PIPELINE_CONSUMER },
    { stream: 'SCORES', durable: 'liquidity-monitor', description: 'tags each signal low or normal liquidity; alerts on their share', ...PIPELINE_CONSUMER },
    // Unfiltered, like every stage consumer: the stage runner applies stream sequences contiguously
    // (it waits for a gap to be redelivered), so a filter would leave it waiting forever; the
    // monitor reads every ORDERS message and measures the fills.
    { stream: 'ORDERS', durable: 'slippage-monitor', description: 'realised vs modelled slippage over the last fills', ...PIPELINE_CONSUMER },
    // the execution side (user gateway): scored bars and their signals become bar marks and
    // intents on ORDERS, where one consumer sees them, human decisions and its broker's results
    // in one order, the data's (docs/execution.md, "One order of events")
    { stream: 'SCORES', durable: 'order-intake', description: 'scored bars and their signals to bar marks and order intents', ...PIPELINE_CONSUMER },
    { stream: 'ORDERS', durable: 'execution-gateway', description: 'the gate, the breaker, the order book and the paper broker', ...PIPELINE_CONSUMER },
  ]),
});

/**
 * The server-side stream config a spec stands for (pure; exported for tests and `nats` comparisons).
 * `replicas` is FAKEOUT_STREAM_REPLICAS: the same for every stream (consumers follow their stream's).
 */
export function streamConfigOf(spec: StreamSpec, replicas = 1): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    description: spec.description,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: nanos(spec.duplicateWindowMs),
    deny_delete: spec.immutable,
    deny_purge: spec.immutable,
    // POLICY: nothing ages out of a stream (no age, count or size limit) and no `Nats-Rollup`
    // header can replace a subject's history: RAW in particular keeps every event it was given.
    // These are the server's defaults, declared so a start puts back any that were changed.
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    max_msgs_per_subject: -1,
    allow_rollup_hdrs: false,
    // lets the read-only ops user fetch messages by sequence with DIRECT.GET
    allow_direct: true,
  };
}

/** The server-side consumer config a spec stands for (pure). */
export function consumerConfigOf(spec: ConsumerSpec): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: spec.durable,
    description: spec.description,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: spec.maxAckPending,
    max_deliver: spec.maxDeliver,
    ...(spec.filterSubject === undefined ? {} : { filter_subject: spec.filterSubject }),
  };
}

/** Consumer fields the server accepts in an update; anything else needs a person to recreate it. */
const CONSUMER_UPDATABLE = new Set(['description', 'ack_wait', 'max_ack_pending', 'max_deliver', 'filter_subject']);

/**
 * Applies a topology: creates missing streams and consumers, updates those whose declared fields
 * differ, and leaves everything else alone.
 *
 * POLICY: never deletes a stream, a consumer or a message; a change the server cannot make in
 * place (e.g. a consumer's ack policy) is reported, not forced by delete-and-recreate, because
 * recreating a durable consumer would replay or skip work.
 *
 * Replicas (`opts.replicas`, FAKEOUT_STREAM_REPLICAS, default 1): a stream is created with them,
 * and an existing stream with other replicas is UPDATED to them (nats-server scales a stream in
 * place, its messages kept). Before any create or change, replicas above the cluster's size
 * are refused naming the variable (replicas.ts); a stream already as declared needs no check, so
 * a restart while one node is down goes on.
 *
 * @throws FakeoutError FAKEOUT_ERR_CONFIG_INVALID when the server refuses a create or update,
 *   or the replicas do not fit the cluster (details.field FAKEOUT_STREAM_REPLICAS)
 */
export async function applyTopology(nc: NatsConnection, topology: Topology = TOPOLOGY, opts: { replicas?: number } = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const replicas = opts.replicas ?? 1;
  const fits = () => checkReplicasFit(nc, replicas);
  for (const spec of topology.streams) await placing(nc, replicas, () => applyStream(jsm, spec, replicas, fits));
  for (const spec of topology.consumers) await applyConsumer(jsm, spec);
}

async function applyStream(jsm: JetStreamManager, spec: StreamSpec, replicas: number, fits: () => Promise<void>): Promise<void> {
  const wanted = streamConfigOf(spec, replicas);
  const current = await infoOrUndefined(() => jsm.streams.info(spec.name));
  try {
    if (current === undefined) {
      await fits();
      await jsm.streams.add(wanted);
      return;
    }
    const changed = differingKeys(wanted, current.config as unknown as Record<string, unknown>);
    if (changed.length === 0) return;
    if (changed.includes('num_replicas')) await fits();
    const { name: _name, storage: _storage, retention: _retention, ...updatable } = wanted;
    await jsm.streams.update(spec.name, updatable);
  } catch (err) {
    if (err instanceof FakeoutError) throw err;
    const refusal = replicasRefusal(err, replicas, spec.name);
    if (refusal) throw refusal;
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `JetStream refused stream ${spec.name}: ${(err as Error).message}`, {
      cause: err,
      details: { stream: spec.name },
    });
  }
}

async function applyConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const wanted = consumerConfigOf(spec);
  const current = await infoOrUndefined(() => jsm.consumers.info(spec.stream, spec.durable));
  try {
    if (current === undefined) {
      await jsm.consumers.add(spec.stream, wanted);
      return;
    }
    const changed = differingKeys(wanted, current.config as unknown as Record<string, unknown>);
    if (changed.length === 0) return;
    const fixed = changed.filter((k) => !CONSUMER_UPDATABLE.has(k));
    if (fixed.length > 0) {
      throw new Error(`fields ${fixed.join(', ')} differ and cannot be updated in place; recreate the consumer by hand`);
    }
    const patch = Object.fromEntries(changed.map((k) => [k, (wanted as Record<string, unknown>)[k]]));
    await jsm.consumers.update(spec.stream, spec.durable, patch);
  } catch (err) {
    throw new FakeoutError(
      'FAKEOUT_ERR_CONFIG_INVALID',
      `JetStream refused consumer ${spec.stream}/${spec.durable}: ${(err as Error).message}`,
      { cause: err, details: { stream: spec.stream, consumer: spec.durable } },
    );
  }
}

/** Only the keys we declare are compared: the server fills in many defaults of its own. */
function differingKeys(wanted: Record<string, unknown>, current: Record<string, unknown>): string[] {
  return Object.keys(wanted).filter((k) => JSON.stringify(wanted[k]) !== JSON.stringify(current[k] ?? defaultOf(k)));
}

/** The server omits some zero values from its JSON (e.g. an empty description). */
function defaultOf(key: string): unknown {
  return key === 'description' ? undefined : key.startsWith('deny_') || key.startsWith('allow_') ? false : undefined;
}

async function infoOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (
      err instanceof JetStreamApiError &&
      (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
    ) {
      return undefined;
    }
    throw err;
  }
}
