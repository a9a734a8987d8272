/**
 * Figure (b): the broker's own ceiling for what the pipeline asks of it: N pipelined,
 * deduplicating publishes of a real message to a file-storage stream, then N explicit acks
 * through a durable pull consumer fetching batches of 500, with fakeout's client options.
 * The same measurement, with a signal as the message, is the baseline of figure (e).
 *
 * It runs on the benchmark's own nats-server (bench-nats.ts): the app's nats.conf gives no user a
 * subject outside the topology's streams, and refuses the pipeline user STREAM.CREATE.
 */
import { publishMany, type JetStreamClient, type JetStreamManager, type NatsConnection } from '../../adapters/nats/index.ts';

export const BENCH_STREAM = 'BENCH';
export const BENCH_SUBJECT_PREFIX = 'bench';
const BENCH_DURABLE = 'bench-consumer';
const FETCH_BATCH = 500;

export interface JetStreamBenchResult {
  messages: number;
  /** size of the JSON body published */
  bodyBytes: number;
  publishSeconds: number;
  consumeSeconds: number;
  msgsPerSecond: number;
  publishPerSecond: number;
  consumePerSecond: number;
}

export interface JetStreamBenchDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Runs (b) with `messages` copies of `body` (a JSON value: RAW's first envelope for (b), a signal for (e)). */
export async function benchJetStream(deps: JetStreamBenchDeps, messages: number, body: unknown): Promise<JetStreamBenchResult> {
  const { nc, js, jsm } = deps;
  const envelope = body;
  const bodyBytes = new TextEncoder().encode(JSON.stringify(body)).length;

  await jsm.streams.add({
    name: BENCH_STREAM,
    subjects: [`${BENCH_SUBJECT_PREFIX}.>`],
    storage: 'file',
    num_replicas: 1,
    // the RAW stream's window: the server keeps the same msgID index per publish
    duplicate_window: 2 * 60 * 1_000_000_000,
  });
  try {
    // One subject, as the replay of one file publishes to one subject; distinct msgIDs so
    // none is dropped as a duplicate, the same body so every message has the real size.
    const subject = `${BENCH_SUBJECT_PREFIX}.replay`;
    const items = Array.from({ length: messages }, (_, i) => ({ subject, id: `bench:${i}`, value: envelope }));

    const t0 = performance.now();
    await publishMany(js, items);
    const t1 = performance.now();

    await jsm.consumers.add(BENCH_STREAM, {
      durable_name: BENCH_DURABLE,
      ack_policy: 'explicit',
      deliver_policy: 'all',
      // the pipeline consumers' setting (adapters/nats/topology.ts)
      max_ack_pending: 20_000,
    });
    const t2 = performance.now();
    const consumer = await js.consumers.get(BENCH_STREAM, BENCH_DURABLE);
    let received = 0;
    while (received < messages) {
      // Never ask for more than remain: a pull for more than is stored waits out its expiry.
      const batch = await consumer.fetch({ max_messages: Math.min(FETCH_BATCH, messages - received), expires: 5_000 });
      const got: { ack(): void }[] = [];
      for await (const m of batch) got.push(m);
      // Acked in one synchronous loop after the batch, as the stages do: nats.js writes its
      // outbound buffer in a microtask, so acking inside the for-await would cost one socket
      // write per message (measured: half of the consume time).
      for (const m of got) m.ack();
      if (got.length === 0) throw new Error(`consumer stalled after ${received} of ${messages} messages`);
      received += got.length;
    }
    // Acks are fire-and-forget; the flush round trip guarantees the server has them all.
    await nc.flush();
    const t3 = performance.now();

    const info = await jsm.consumers.info(BENCH_STREAM, BENCH_DURABLE);
    if (info.num_pending !== 0 || info.num_ack_pending !== 0) {
      throw new Error(`bench consumer not drained: ${info.num_pending} pending, ${info.num_ack_pending} unacked`);
    }
    const publishSeconds = (t1 - t0) / 1000;
    const consumeSeconds = (t3 - t2) / 1000;
    return {
      messages,
      bodyBytes,
      publishSeconds,
      consumeSeconds,
      msgsPerSecond: messages / (publishSeconds + consumeSeconds),
      publishPerSecond: messages / publishSeconds,
      consumePerSecond: messages / consumeSeconds,
    };
  } finally {
    await jsm.consumers.delete(BENCH_STREAM, BENCH_DURABLE).catch(() => undefined);
    await jsm.streams.delete(BENCH_STREAM).catch(() => undefined);
  }
}
