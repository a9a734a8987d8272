/**
 * An in-memory stream with one durable consumer, for stage-runner tests that must put messages in
 * a chosen order, lose acks, hold a message back (a dead process's ack_wait) or drop sequences from
 * the stream's head, and see every publish with JetStream's Nats-Msg-Id dedupe. Not a NATS
 * replacement: the integration suites run the runner against a real nats-server.
 */
import type { Bus, DeliveredMessage, OutboundMessage } from '../../actors/stage/ports.ts';

export interface StoredMessage {
  seq: number;
  value: unknown;
  decodeError?: unknown;
}

/** Every fetch takes at least `fetchMs` (so a test can send an event while one is in flight). */
export function memoryStream(messages: StoredMessage[], fetchMs = 0) {
  /** deliverable now, in delivery order */
  const queue: StoredMessage[] = [...messages];
  /** delivered, neither acked nor nak'd: comes back only at `expireAckWait()` */
  const held = new Map<number, StoredMessage>();
  const acked: number[] = [];
  /** every nak, by seq, in the order they came */
  const naked: number[] = [];
  /** how many times each seq was delivered (a handle knows which delivery it is) */
  const deliveries = new Map<number, number>();
  /** acks and naks on a handle whose seq was delivered again since (the runner must not use those) */
  let staleSettles = 0;
  const published: { id: string; value: unknown }[] = [];
  /** the ids of each publishMany call that published anything */
  const publishBatches: string[][] = [];
  const ids = new Set<string>();
  let publishCalls = 0;
  let duplicates = 0;
  let firstSeq = 1;
  /** when set, acks and naks are lost (a connection that died under the consumer) */
  let deaf = false;

  const deliver = (m: StoredMessage): DeliveredMessage => {
    held.set(m.seq, m);
    const delivery = (deliveries.get(m.seq) ?? 0) + 1;
    deliveries.set(m.seq, delivery);
    let settled = false;
    const settle = () => {
      if (deliveries.get(m.seq) !== delivery) staleSettles++;
      if (settled || deaf) return false;
      settled = true;
      held.delete(m.seq);
      return true;
    };
    return {
      seq: m.seq,
      subject: 'test.in',
      value: m.value,
      ...(m.decodeError === undefined ? {} : { decodeError: m.decodeError }),
      ack() {
        if (settle()) acked.push(m.seq);
      },
      nak(delayMs = 0) {
        if (!settle()) return;
        naked.push(m.seq);
        // redeliveries go ahead of newer messages, as JetStream's do
        const back = () => queue.splice(0, queue.length, ...[...queue, m].sort((a, b) => a.seq - b.seq));
        if (delayMs > 0) setTimeout(back, delayMs);
        else back();
      },
    };
  };

  const bus: Bus = {
    async openConsumer() {
      return {
        async fetchBatch(max: number, expiresMs: number): Promise<DeliveredMessage[]> {
          await new Promise((r) => setTimeout(r, queue.length === 0 ? Math.max(fetchMs, expiresMs) : fetchMs));
          return queue.splice(0, max).filter((m) => m.seq >= firstSeq).map(deliver);
        },
        async pending() {
          return { numPending: queue.length, ackPending: held.size };
        },
      };
    },
    async publishMany(items: OutboundMessage[]) {
      publishCalls++;
      const batch: string[] = [];
      const answers = items.map((it) => {
        const duplicate = ids.has(it.id);
        if (duplicate) duplicates++;
        else {
          ids.add(it.id);
          published.push({ id: it.id, value: it.value });
          batch.push(it.id);
        }
        return { seq: published.length, duplicate };
      });
      if (batch.length > 0) publishBatches.push(batch);
      return answers;
    },
    async firstSeq() {
      return firstSeq;
    },
    async lastMessage() {
      return undefined;
    },
  };

  return {
    bus,
    published,
    publishBatches,
    acked,
    naked,
    staleSettles: () => staleSettles,
    /** seqs delivered and neither acked nor nak'd (held by the runner or by a dead process), in order */
    unacked: () => [...held.keys()].sort((a, b) => a - b),
    /** seqs deliverable now, in delivery order */
    queued: () => queue.map((m) => m.seq),
    /** the ack_wait of one message a dead process holds is over: it alone is deliverable again, ahead of newer ones */
    release(seq: number) {
      const m = held.get(seq);
      if (!m) throw new Error(`seq ${seq} is not held`);
      held.delete(seq);
      queue.splice(0, queue.length, ...[...queue, m].sort((a, b) => a.seq - b.seq));
    },
    /** publishes JetStream answered "duplicate" (a republish after a crash) */
    duplicates: () => duplicates,
    publishCalls: () => publishCalls,
    /** ack_wait expired: every held message is deliverable again, in seq order */
    expireAckWait() {
      const back = [...held.values()].sort((a, b) => a.seq - b.seq);
      held.clear();
      queue.push(...back);
    },
    /** `m` was delivered to a process that died holding it: back only at `expireAckWait()` */
    holdBack(m: StoredMessage) {
      held.set(m.seq, m);
    },
    /** acks and naks from now on are lost (true) or work again (false) */
    setDeaf(v: boolean) {
      deaf = v;
    },
    /** the stream lost everything below `seq` (limits, or removed by hand) */
    dropBelow(seq: number) {
      firstSeq = seq;
    },
    /** add messages at the end of the queue */
    push(...ms: StoredMessage[]) {
      queue.push(...ms);
    },
    idle: () => queue.length === 0 && held.size === 0,
  };
}
