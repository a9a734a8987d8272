/**
 * The Bus port the actors use (actors/stage/ports.ts), implemented on one NATS connection:
 * durable pull consumers, pipelined deduplicating publishes, stream positions.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { openBatchConsumer, type BatchConsumer } from './consume.ts';
import { type PublishItem, type PublishResult } from './publish.ts';
import { publishMany } from './ordered-publish.ts';
import { watchConnection } from './connection-watch.ts';
import type { ConnectionWatch } from '../../actors/stage/ports.ts';

export interface NatsBus {
  js: JetStreamClient;
  jsm: JetStreamManager;
  openConsumer(stream: string, durable: string): Promise<BatchConsumer>;
  publishMany(items: PublishItem[]): Promise<PublishResult[]>;
  firstSeq(stream: string): Promise<number>;
  lastMessage(stream: string, subject: string): Promise<{ seq: number; subject: string; value: unknown } | undefined>;
  messageAt(stream: string, seq: number): Promise<{ seq: number; subject: string; msgId: string | undefined; body: string } | undefined>;
  lastSeq(stream: string): Promise<number>;
  nextSeq(stream: string, subject: string, fromSeq: number): Promise<number | undefined>;
  /** the connection's state: a stage on this bus goes `reconnecting` when it drops */
  connection: ConnectionWatch;
}

export async function createBus(nc: NatsConnection): Promise<NatsBus> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    js,
    jsm,
    connection: watchConnection(nc),
    openConsumer: (stream, durable) => openBatchConsumer(js, jsm, stream, durable),
    publishMany: (items) => publishMany(js, items),
    async firstSeq(stream) {
      const info = await jsm.streams.info(stream);
      // A clustered stream with no leader (an election, a replica catching up) may answer with a
      // replica's own state, whose first_seq can be past messages the stream still has: the
      // stages would skip them as gone. Not an answer: NATS is unavailable for now.
      if (info.cluster !== undefined && !info.cluster.leader) {
        throw new FakeoutError('FAKEOUT_ERR_NATS_CONNECT', `stream ${stream} has no leader right now`, { cause: new TimeoutError(), details: { stream } });
      }
      // An empty stream reports first_seq 0 or the next seq to be used; either way nothing
      // before it exists.
      return Math.max(1, info.state.first_seq);
    },
    async lastMessage(stream, subject) {
      // STREAM.MSG.GET last_by_subj (wildcards work on nats-server 2.9); null when nothing matches
      const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
      return m === null ? undefined : { seq: m.seq, subject: m.subject, value: m.json<unknown>() };
    },
    async messageAt(stream, seq) {
      // STREAM.MSG.GET by seq; null when the seq holds nothing
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m === null) return undefined;
      const id = m.header?.get('Nats-Msg-Id');
      return { seq: m.seq, subject: m.subject, msgId: id === undefined || id === '' ? undefined : id, body: m.string() };
    },
    async lastSeq(stream) {
      return (await jsm.streams.info(stream)).state.last_seq;
    },
    async nextSeq(stream, subject, fromSeq) {
      // STREAM.MSG.GET next_by_subj from seq (nats-server 2.9 takes it; @nats-io 3.4 types it on
      // direct gets only). Not DIRECT.GET: a direct get may be answered by a lagging replica.
      const m = await jsm.streams.getMessage(stream, { seq: fromSeq, next_by_subj: subject } as unknown as { seq: number });
      return m === null ? undefined : m.seq;
    },
  };
}
