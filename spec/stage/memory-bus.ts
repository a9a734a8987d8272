/**
 * An in-memory stand-in for the JetStream ports of the stage runner, for runner tests that must
 * control timing (how long a fetch takes) and see every publish. Not a NATS replacement: the
 * integration suites run the runner against a real nats-server.
 */
import type { Bus, DeliveredMessage, OutboundMessage } from '../../actors/stage/ports.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stream of the numbers 1..n on one durable consumer; every fetch takes `fetchMs`; nak redelivers. */
export function memoryBus(n: number, fetchMs: number) {
  const queue = Array.from({ length: n }, (_, i) => i + 1);
  const published: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const bus: Bus = {
    async openConsumer() {
      return {
        async fetchBatch(max: number): Promise<DeliveredMessage[]> {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await wait(fetchMs);
          inFlight--;
          const taken = queue.splice(0, max);
          return taken.map((seq) => ({
            seq,
            subject: 'test.numbers',
            value: seq,
            ack() {},
            nak() {
              queue.push(seq);
              queue.sort((a, b) => a - b);
            },
          }));
        },
        async pending() {
          return { numPending: queue.length, ackPending: 0 };
        },
      };
    },
    async publishMany(items: OutboundMessage[]) {
      for (const it of items) published.push(it.value);
      return items.map((_, i) => ({ seq: published.length - items.length + i + 1, duplicate: false }));
    },
    async firstSeq() {
      return 1;
    },
    async lastMessage() {
      return undefined;
    },
  };
  return { bus, published, maxInFlight: () => maxInFlight, left: () => queue.length };
}

