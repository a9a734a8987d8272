/**
 * The baseline of figure (f): the two JetStream hops between a signal and its order, with
 * nothing in between. A signal reaches its `orders.sent.*` through two stages (order-intake on
 * SIGNALS, execution-gateway on ORDERS); here two relay loops forward a message
 * `relay.in.<lane>` → `relay.mid.<lane>` → `relay.out.<lane>` through the stages' own adapter
 * calls (openBatchConsumer: consumer info, then a pull for what is pending, at least one;
 * publishMany with a msgID; ack after the publish), but with no processing, no Postgres
 * transaction and no broker. The same lanes and rounds as (f), closed loop: a lane publishes its
 * next message when the previous one came out. Latency: stored on `relay.in` → stored on `relay.out`.
 */
import { openBatchConsumer, publishMany, type JetStreamClient, type JetStreamManager } from '../../adapters/nats/index.ts';
import { startObserver, storedTime } from './bench-observer.ts';

const STREAM = 'RELAY';
/** The stages' default fetch expiry (actors/stage/stage.actor.ts); the client raises it to 1 s. */
const FETCH_EXPIRES_MS = 500;

export interface RelayResult {
  lanes: number;
  rounds: number;
  /** per message, stored on relay.in → stored on relay.out, ms */
  latenciesMs: number[];
  seconds: number;
}

/** Runs `lanes` × `rounds` messages of `body` through the relay on a server where this user may create streams. */
export async function benchRelay(deps: { js: JetStreamClient; jsm: JetStreamManager }, lanes: number, rounds: number, batchSize: number, body: unknown): Promise<RelayResult> {
  const { js, jsm } = deps;
  await jsm.streams.add({ name: STREAM, subjects: ['relay.>'], storage: 'file', num_replicas: 1, duplicate_window: 60 * 60 * 1_000_000_000 });
  let stopping = false;
  const hops: Promise<void>[] = [];
  try {
    for (const [from, to] of [['in', 'mid'], ['mid', 'out']] as const) {
      await jsm.consumers.add(STREAM, { durable_name: `relay-${from}`, ack_policy: 'explicit', deliver_policy: 'all', filter_subject: `relay.${from}.>`, max_ack_pending: 20_000 });
      const c = await openBatchConsumer(js, jsm, STREAM, `relay-${from}`);
      hops.push((async () => {
        while (!stopping) {
          const msgs = await c.fetchBatch(batchSize, FETCH_EXPIRES_MS);
          if (msgs.length === 0) continue;
          await publishMany(js, msgs.map((m) => ({ subject: m.subject.replace(`relay.${from}.`, `relay.${to}.`), id: `${to}:${m.seq}`, value: m.value })));
          for (const m of msgs) m.ack();
        }
      })());
    }
    const out = await startObserver({
      manager: jsm, js, stream: STREAM, name: 'relay-observer', filterSubject: 'relay.out.>',
      keyOf: (_subject, b) => (b as { key?: string } | null)?.key,
    });
    const done: { inSeq: number; outAt: number }[] = [];
    const started = performance.now();
    try {
      await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
        for (let r = 0; r < rounds; r++) {
          const key = `${lane}:${r}`;
          const [ack] = await publishMany(js, [{ subject: `relay.in.${lane}`, id: `in:${key}`, value: { key, body } }]);
          done.push({ inSeq: ack!.seq, outAt: await out.storedAt(key) });
        }
      }));
    } finally {
      await out.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    // the input's stored time is read afterwards, so that the lookups do not slow the loop
    const latenciesMs: number[] = [];
    for (const d of done) latenciesMs.push(d.outAt - (await storedTime(jsm, STREAM, d.inSeq)));
    return { lanes, rounds, latenciesMs, seconds };
  } finally {
    stopping = true;
    // each loop leaves after its current fetch expires
    await Promise.allSettled(hops);
    await jsm.streams.delete(STREAM).catch(() => undefined);
  }
}
