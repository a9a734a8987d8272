/**
 * Following a stream live for one reader (an SSE client): an ephemeral ORDERED consumer, no
 * acks, no durable state, created per reader and deleted when the reader goes.
 */
import { randomBytes } from 'node:crypto';
import {
  DeliverPolicy,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import { FakeoutError } from '../../actors/domain/errors.ts';

/** One message as a follower sees it. */
export interface FollowedMessage {
  /** stream sequence: the position to resume after (`afterSeq`) */
  seq: number;
  subject: string;
  /** JSON-decoded body; messages that are not JSON are skipped */
  value: unknown;
}

export interface FollowOptions {
  stream: string;
  /** subject filter, e.g. `signals.SPY`; default the whole stream */
  filter?: string;
  /** resume after this stream sequence; default: only messages published from now on */
  afterSeq?: number;
}

export interface Follower {
  /** stops delivery and deletes the consumer on the server; safe to call twice */
  close(): Promise<void>;
  /** every server-side consumer of this follower is named `<prefix>_<n>` */
  readonly prefix: string;
}

/** Name prefix of every follower's consumer, so `nats consumer ls` shows what they are. */
export const FOLLOWER_PREFIX = 'signal-follower';

const decoder = new TextDecoder('utf-8', { fatal: true });

function unavailable(stream: string, err: unknown): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_NATS_CONNECT', `cannot follow ${stream}: ${(err as Error).message}`, { cause: err, details: { stream } });
}

async function openOrdered(js: JetStreamClient, stream: string, options: Partial<OrderedConsumerOptions>): Promise<Consumer> {
  try {
    return await js.consumers.get(stream, options);
  } catch (err) {
    throw unavailable(stream, err);
  }
}

/**
 * Starts following `opts.stream`; `onMessage` is called in stream order. `onEnd` is called once
 * if delivery stops for any reason other than {@link Follower.close} (connection closed).
 *
 * POLICY: a follower leaves nothing behind: close() deletes its consumer at once. If the process
 * dies first, the server removes it after its inactivity threshold (the library's 5 minutes).
 */
export async function followStream(
  js: JetStreamClient,
  jsm: JetStreamManager,
  opts: FollowOptions,
  onMessage: (m: FollowedMessage) => void,
  onEnd: (reason: string) => void = () => undefined,
): Promise<Follower> {
  // A prefix of our own: the library recreates an ordered consumer under a new serial name after
  // a gap or a reconnect, and close() must find whichever one is current.
  const prefix = `${FOLLOWER_PREFIX}-${randomBytes(6).toString('hex')}`;
  const consumer = await openOrdered(js, opts.stream, {
    name_prefix: prefix,
    ...(opts.filter === undefined ? {} : { filter_subjects: opts.filter }),
    ...(opts.afterSeq === undefined
      ? { deliver_policy: DeliverPolicy.New }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.afterSeq + 1 }),
  });
  let messages: ConsumerMessages;
  try {
    messages = await consumer.consume();
  } catch (err) {
    throw unavailable(opts.stream, err);
  }
  let closing = false;
  void (async () => {
    try {
      for await (const m of messages) {
        let value: unknown;
        try {
          value = JSON.parse(decoder.decode(m.data));
        } catch {
          continue; // not ours to judge here; the stages report malformed messages
        }
        onMessage({ seq: m.seq, subject: m.subject, value });
      }
      if (!closing) onEnd('delivery stopped');
    } catch (err) {
      if (!closing) onEnd((err as Error).message);
    }
  })();
  let closed: Promise<void> | undefined;
  return {
    prefix,
    close() {
      closed ??= (async () => {
        closing = true;
        await messages.close().catch(() => undefined);
        try {
          for await (const c of jsm.consumers.list(opts.stream)) {
            if (c.name.startsWith(`${prefix}_`)) await jsm.consumers.delete(opts.stream, c.name).catch(() => undefined);
          }
        } catch {
          // NATS gone: the server removes the consumer after its inactivity threshold.
        }
      })();
      return closed;
    },
  };
}
