/**
 * Reading JetStream: batches from a durable pull consumer (the pipeline stages), plus
 * read-everything helpers for tests, the auditor and the CLI.
 */
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { FakeoutError } from '../../actors/domain/errors.ts';

/** One message handed to an actor. */
export interface Delivered<T = unknown> {
  /** stream sequence: unique and increasing within the stream */
  seq: number;
  subject: string;
  /** JSON-decoded body; `undefined` when the body is not JSON (see `decodeError`) */
  value: T;
  /** set when the body could not be decoded; the caller reports the message and acks it */
  decodeError?: string;
  /** true when the server has delivered this message before (nak, ack timeout, restart) */
  redelivered: boolean;
  ack(): void;
  /** ack and wait for the server's confirmation (so it has processed every earlier ack too) */
  ackSync(): Promise<void>;
  /** ask for redelivery, after `delayMs` if given */
  nak(delayMs?: number): void;
}

export interface BatchConsumer {
  /**
   * Resolves with what arrived within `expiresMs` (at most `max` messages; early once `max`
   * arrived), or `[]` when nothing did. The client library's floor for expires is 1 s, so
   * shorter values are raised to 1 000 ms.
   */
  fetchBatch(max: number, expiresMs: number): Promise<Delivered[]>;
  /** numPending: not yet delivered; ackPending: delivered, not yet acked */
  pending(): Promise<{ numPending: number; ackPending: number }>;
}

/** A stored message as read by {@link streamMessages}. */
export type StoredMessage<T = unknown> = { seq: number; subject: string; value: T; decodeError?: string };

/** The floor @nats-io/jetstream enforces on pull `expires`. */
const MIN_EXPIRES_MS = 1_000;
/** how long past its expiry a pull may stay open before the client ends it (see fetchBatch) */
const FETCH_GRACE_MS = 5_000;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Binds to an existing durable pull consumer (created by applyTopology).
 *
 * @throws FakeoutError FAKEOUT_ERR_CONFIG_INVALID when the stream or consumer does not exist
 */
export async function openBatchConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<BatchConsumer> {
  let consumer: Consumer;
  try {
    consumer = await js.consumers.get(stream, durable);
  } catch (err) {
    if (err instanceof JetStreamApiError && isNotFound(err)) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `no consumer ${stream}/${durable}: was the topology applied?`, {
        cause: err,
        details: { stream, consumer: durable },
      });
    }
    throw connectError(err, stream, durable);
  }

  // What the last message delivered said was still pending after it (its ack subject carries the
  // count). While that is above zero, the next fetch knows how many to ask for without a
  // consumers.info round trip: a stage catching up on a full stream fetches with no request
  // besides the pull itself.
  let pendingAfterLast = 0;
  /** the last fetch got messages and the last of them said none followed */
  let caughtUp = false;
  return {
    async fetchBatch(max, expiresMs) {
      const out: Delivered[] = [];
      let last: JsMsg | undefined;
      try {
        // A pull request for N messages returns early only once N arrived; asking for more than
        // are waiting makes every fetch sit out its full expiry (a second per batch downstream,
        // where batches are small). So ask for what is pending now, at least one (which waits
        // for the next message, up to the expiry). Right after a batch whose last message said
        // nothing followed it (a stage that keeps up), ask for one without asking how many
        // first: that consumer info round trip sat in front of every message of a stage that
        // keeps up (figure (j), docs/benchmarks.md); the message it gets says how many follow
        // it. Only when nothing is known (the first fetch, or after one that got nothing) ask.
        const pending = pendingAfterLast > 0 ? pendingAfterLast : caughtUp ? 1 : (await jsm.consumers.info(stream, durable)).num_pending;
        pendingAfterLast = 0;
        caughtUp = false;
        const want = Math.min(max, Math.max(1, pending));
        const expires = Math.max(MIN_EXPIRES_MS, expiresMs);
        const messages = await consumer.fetch({ max_messages: want, expires });
        // The server ends a pull at its expiry; if that answer is lost (the consumer's leader died
        // with the pull open, the client reconnected meanwhile) nothing would end the iteration, and
        // the stage would wait forever mid-batch. Seen in the cluster test: stop it ourselves.
        const guard = setTimeout(() => messages.stop(), expires + FETCH_GRACE_MS);
        try {
          for await (const m of messages) {
            out.push(toDelivered(m));
            last = m;
          }
        } finally {
          clearTimeout(guard);
        }
      } catch (err) {
        // POLICY: messages already received are not lost by throwing: unacked, they are
        // redelivered after ack_wait.
        throw connectError(err, stream, durable);
      }
      pendingAfterLast = last?.info.pending ?? 0;
      caughtUp = last !== undefined && pendingAfterLast === 0;
      return out;
    },
    async pending() {
      try {
        const info = await jsm.consumers.info(stream, durable);
        return { numPending: info.num_pending, ackPending: info.num_ack_pending };
      } catch (err) {
        throw connectError(err, stream, durable);
      }
    },
  };
}

/** Message count and last sequence of a stream. */
export async function streamInfo(jsm: JetStreamManager, name: string): Promise<{ messages: number; lastSeq: number }> {
  const info = await jsm.streams.info(name);
  return { messages: info.state.messages, lastSeq: info.state.last_seq };
}

/**
 * Reads every message of a stream (optionally only those matching `subjectFilter`) in stream
 * order, through an ephemeral ordered consumer the server removes by itself when idle.
 * Needs a user allowed to create consumers (pipeline), not the read-only ops user.
 */
export async function streamMessages(js: JetStreamClient, stream: string, subjectFilter?: string): Promise<StoredMessage[]> {
  const jsm = await js.jetstreamManager(false);
  const { messages, lastSeq } = await streamInfo(jsm, stream);
  if (messages === 0) return [];
  const consumer = await js.consumers.get(stream, subjectFilter === undefined ? {} : { filter_subjects: subjectFilter });
  const out: StoredMessage[] = [];
  // Where the read ends. Unfiltered: at the last sequence stored when it began, not at a message
  // whose info.pending says 0 nor at an empty fetch: on a node just restarted and still catching
  // up, pending said 0 halfway (the cluster e2e read 38 of 74 signals that way), and on a loaded
  // machine a fetch can expire before the next message comes. Filtered: at info.pending 0 (matches
  // still after this one), or after a few empty fetches in a row (nothing, or nothing left, matches).
  let empty = 0;
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1_000, expires: MIN_EXPIRES_MS });
    let sawAny = false;
    for await (const m of batch) {
      sawAny = true;
      const { value, decodeError } = decode(m.data);
      out.push({ seq: m.seq, subject: m.subject, value, ...(decodeError === undefined ? {} : { decodeError }) });
      if (m.seq >= lastSeq || (subjectFilter !== undefined && m.info.pending === 0)) return out;
    }
    if (sawAny) empty = 0;
    else if (++empty >= (subjectFilter === undefined ? 10 : 3)) {
      if (subjectFilter !== undefined) return out;
      throw new Error(`${stream}: read ${out.length} messages up to seq ${out.at(-1)?.seq ?? 0}, but the stream held up to ${lastSeq} when the read began (${empty} empty fetches)`);
    }
  }
}

/**
 * One delivered message. A class, not an object literal with three closures: the stages take
 * every RAW message through here twice (archiver and bar builder), and closures per message
 * were garbage per message (docs/benchmarks.md, session 22).
 */
class JsDelivered implements Delivered {
  readonly seq: number;
  readonly subject: string;
  readonly value: unknown;
  // `declare`: no own property unless the body was not JSON, as before (the field was left out)
  declare readonly decodeError?: string;
  readonly redelivered: boolean;
  readonly #m: JsMsg;
  constructor(m: JsMsg) {
    this.#m = m;
    this.seq = m.seq;
    this.subject = m.subject;
    this.redelivered = m.redelivered;
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(m.data)) as unknown;
    } catch (err) {
      value = undefined;
      this.decodeError = decodeErrorText(m.data, err);
    }
    this.value = value;
  }
  ack(): void {
    this.#m.ack();
  }
  async ackSync(): Promise<void> {
    if (!(await this.#m.ackAck())) throw new Error(`ack of ${this.#m.info.stream} seq ${this.seq} not confirmed`);
  }
  nak(delayMs?: number): void {
    this.#m.nak(delayMs);
  }
}

function toDelivered(m: JsMsg): Delivered {
  return new JsDelivered(m);
}

function decodeErrorText(data: Uint8Array, err: unknown): string {
  return `body is not JSON (${data.length} bytes): ${(err as Error).message}`;
}

/** POLICY: a body that is not JSON never throws here; one bad message must not wedge a consumer. */
function decode(data: Uint8Array): { value: unknown; decodeError?: string } {
  try {
    return { value: JSON.parse(decoder.decode(data)) as unknown };
  } catch (err) {
    return { value: undefined, decodeError: decodeErrorText(data, err) };
  }
}

function isNotFound(err: JetStreamApiError): boolean {
  return err.code === JetStreamApiCodes.ConsumerNotFound || err.code === JetStreamApiCodes.StreamNotFound;
}

function connectError(err: unknown, stream: string, durable: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_NATS_CONNECT', `reading ${stream}/${durable} failed: ${(err as Error).message}`, {
    cause: err,
    details: { stream, consumer: durable },
  });
}
