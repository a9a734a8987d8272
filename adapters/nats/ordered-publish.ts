/**
 * Pipelined publishing that never reorders a subject, even when a stream changes leader under it.
 *
 * WHY: a pipelined batch (many publishes in flight) that straddles a failure (a leader election on
 * a cluster, a lost connection) used to have some publishes fail and later ones land; the retried
 * items then arrived after later ones and the next stage dropped them as late (seen as 300–500
 * lost bars in spec/e2e/cluster.e2e.test.ts). Order must be kept by the server, not hoped for, so
 * each publish in flight carries a precondition the server checks in order:
 *
 * - **chain** (a stream this client writes alone, the common case): each publish carries
 *   `Nats-Expected-Last-Msg-Id` = the msgID of the publish before it. If an earlier publish of the
 *   batch was not stored, every later one in flight to that stream is refused (`wrong last msg
 *   ID`, 10070) instead of stored out of turn. (Not `Nats-Expected-Last-Sequence`: a foreign
 *   message landing between two of ours shifts the sequence by one, so the item after a refused
 *   one would match again and land first; msgIDs never match by accident. The partition e2e test
 *   caught exactly that.) The ids come from this client's previous publishes, so a steady writer
 *   pays no extra round trip.
 * - **one at a time** (a stream that someone else writes too — the webhook beside a replay, two
 *   partition processes on one stream — so the predicted sequence keeps missing): at most one
 *   publish of this client in flight to that stream; other streams stay pipelined. Not per
 *   subject: the stages rely on the order across a symbol's subjects too (its 1m and 15m bars
 *   feed one feature engine; the gateway's fills and order results), which the partition e2e
 *   test caught. After {@link CONTENTION_BACKOFF_MS} the stream tries the chain again.
 *
 * Whatever the mode, a publish that fails, and any item whose order it cannot vouch for (an
 * unknown subject, a stream whose last sequence is unknown after a failure or a duplicate), is
 * published alone, in item order, before anything after it; a failure there is thrown, and a
 * caller retrying the whole batch relies on msgID dedupe for what landed (the dedupe check comes
 * before the sequence check on the server, so a repeat is always a duplicate, never a refusal).
 */
import { JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { jsonBytes, publishError, type PublishItem, type PublishResult } from './publish.ts';

/** Publishes in flight at once in {@link publishMany}: enough to hide the round trip, small enough to bound memory. */
export const PUBLISH_WINDOW = 256;
/** How long a stream written by someone else stays in per-subject mode before the chain is tried again. */
export const CONTENTION_BACKOFF_MS = 5_000;
/** nats-server's "wrong last msg ID" (JSStreamWrongLastMsgIDErrF). */
const WRONG_LAST_MSG_ID = 10070;

interface StreamChain {
  /** the msgID of the stream's last message as this client last knew it for sure; undefined: unknown */
  lastId: string | undefined;
  /** until when the stream is in per-subject mode (epoch ms); 0: chain mode */
  perSubjectUntil: number;
}

/** What a client learned of its streams: which stream holds a subject, and each stream's chain. */
export interface PublishChains {
  streamOf: Map<string, string>;
  /**
   * The stream that stored the last subject seen with this first token (`bars` of
   * `bars.BTC-PERP.1m`): a guess for a subject not published before, used only in chain mode,
   * where the server checks it (a wrong guess is refused as a wrong last msgID, nothing lands out
   * of turn). Without it every new subject went alone, a round trip in front of the whole batch:
   * 800 of them when 100 symbols started (figure (j), docs/benchmarks.md).
   */
  streamOfHead: Map<string, string>;
  streams: Map<string, StreamChain>;
}

const CHAINS = new WeakMap<JetStreamClient, PublishChains>();

/** The chains of one client (created on first use); exposed for tests and the bench. */
export function chainsOf(js: JetStreamClient): PublishChains {
  let c = CHAINS.get(js);
  if (!c) CHAINS.set(js, (c = { streamOf: new Map(), streamOfHead: new Map(), streams: new Map() }));
  return c;
}


type Outcome = { ok: true; result: PublishResult; stream: string } | { ok: false; error: FakeoutError; wrongLast: boolean };

async function send(js: JetStreamClient, item: PublishItem, expectLastId: string | undefined): Promise<Outcome> {
  try {
    const opts = expectLastId === undefined ? { msgID: item.id } : { msgID: item.id, expect: { lastMsgID: expectLastId } };
    const ack = await js.publish(item.subject, jsonBytes(item.value), opts);
    return { ok: true, result: { seq: ack.seq, duplicate: ack.duplicate }, stream: ack.stream };
  } catch (err) {
    const wrongLast = err instanceof JetStreamApiError && err.code === WRONG_LAST_MSG_ID;
    return { ok: false, error: publishError(err, item.subject, item.id), wrongLast };
  }
}

function chainOf(chains: PublishChains, stream: string): StreamChain {
  let c = chains.streams.get(stream);
  if (!c) chains.streams.set(stream, (c = { lastId: undefined, perSubjectUntil: 0 }));
  return c;
}

/** An ack teaches the stream of its subject and, when not a duplicate, the stream's last message. */
function learn(chains: PublishChains, item: PublishItem, o: Extract<Outcome, { ok: true }>): void {
  chains.streamOf.set(item.subject, o.stream);
  chains.streamOfHead.set(headOf(item.subject), o.stream);
  // a duplicate was stored long ago: the stream's last message is some other one
  chainOf(chains, o.stream).lastId = o.result.duplicate ? undefined : item.id;
}

/** A subject's first token. */
function headOf(subject: string): string {
  const dot = subject.indexOf('.');
  return dot < 0 ? subject : subject.slice(0, dot);
}

/**
 * Publishes many items pipelined (up to {@link PUBLISH_WINDOW} in flight) without ever storing an
 * item of a subject before an earlier item of the same subject (see the module comment). Results
 * are in item order. On a failure that publishing alone does not cure, throws
 * FAKEOUT_ERR_NATS_PUBLISH naming the item's index; the items before it are stored, in order.
 */
export async function publishMany(js: JetStreamClient, items: readonly PublishItem[], now: () => number = Date.now): Promise<PublishResult[]> {
  const chains = chainsOf(js);
  const results: (PublishResult | undefined)[] = new Array(items.length);
  let from = 0;
  while (from < items.length) {
    const stop = await pipelinedRun(js, chains, items, results, from, now());
    if (stop >= items.length) break;
    if (results[stop] === undefined) {
      const item = items[stop] as PublishItem;
      const o = await send(js, item, undefined);
      if (!o.ok) {
        throw new FakeoutError('FAKEOUT_ERR_NATS_PUBLISH', `publish of item ${stop} of ${items.length} failed: ${o.error.message}`, {
          cause: o.error,
          details: { ...o.error.info, index: stop, total: items.length },
        });
      }
      learn(chains, item, o);
      results[stop] = o.result;
    }
    from = stop + 1;
  }
  return results as PublishResult[];
}

/**
 * One pipelined pass from `from`: sends what it can vouch for, stops taking items at the first
 * that must go alone or at the first failure, and returns that index (items.length: all done).
 * Items after it that landed keep their results and are skipped by the next pass.
 */
async function pipelinedRun(
  js: JetStreamClient,
  chains: PublishChains,
  items: readonly PublishItem[],
  results: (PublishResult | undefined)[],
  from: number,
  at: number,
): Promise<number> {
  let next = from;
  let halt = items.length;
  /** per stream in chain mode: the msgID the next publish must find last on the stream (the previous one sent) */
  const expect = new Map<string, string>();
  /** streams that saw a failure or a duplicate in this pass: their predictions no longer hold */
  const troubled = new Set<string>();
  /** one-at-a-time mode: the settlement of the stream's publish in flight (true: stored) */
  const inFlight = new Map<string, Promise<boolean>>();

  const fail = (index: number, stream: string | undefined): void => {
    if (index < halt) halt = index;
    if (stream !== undefined) {
      troubled.add(stream);
      chainOf(chains, stream).lastId = undefined;
    }
  };

  const lane = async (): Promise<void> => {
    while (next < halt) {
      const index = next;
      if (results[index] !== undefined) {
        next++;
        continue;
      }
      const item = items[index] as PublishItem;
      const known = chains.streamOf.get(item.subject);
      const guessed = known === undefined ? chains.streamOfHead.get(headOf(item.subject)) : undefined;
      const stream = known ?? guessed;
      const chain = stream === undefined ? undefined : chainOf(chains, stream);
      // a guessed stream only where the server checks the guess (chain mode), never one at a time
      if (stream === undefined || chain === undefined || (guessed !== undefined && chain.perSubjectUntil > at)) {
        halt = index; // an unknown subject: alone, to learn its stream
        return;
      }
      if (chain.perSubjectUntil > at) {
        next++;
        const prev = inFlight.get(stream);
        let settle!: (stored: boolean) => void;
        inFlight.set(stream, new Promise<boolean>((r) => (settle = r)));
        if (prev !== undefined && !(await prev)) {
          fail(index, undefined); // an earlier item of this stream failed: this one must wait for it
          settle(false);
          continue;
        }
        const o = await send(js, item, undefined);
        if (o.ok) {
          results[index] = o.result;
          // a hint for when the chain is tried again (one in flight: this is the newest): right if no one else wrote meanwhile
          if (!o.result.duplicate) chain.lastId = item.id;
        } else fail(index, stream);
        settle(o.ok);
        continue;
      }
      // chain mode
      const expected = expect.get(stream) ?? (troubled.has(stream) ? undefined : chain.lastId);
      if (expected === undefined) {
        halt = index; // the stream's last sequence is unknown: alone, to learn it
        return;
      }
      next++;
      expect.set(stream, item.id);
      const o = await send(js, item, expected);
      if (o.ok && !o.result.duplicate) {
        results[index] = o.result;
        if (guessed !== undefined) chains.streamOf.set(item.subject, o.stream);
      } else if (o.ok) {
        results[index] = o.result; // stored long ago: the stream did not move, so the next expectation misses
        fail(index + 1, stream);
      } else {
        // a refusal that no failure or duplicate of ours explains: someone else writes this stream
        if (o.wrongLast && !troubled.has(stream)) chain.perSubjectUntil = at + CONTENTION_BACKOFF_MS;
        fail(index, stream);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(PUBLISH_WINDOW, items.length - from)) }, lane));
  // a chain that held to the end: its last message is the last one this pass sent
  for (const [stream, id] of expect) if (!troubled.has(stream)) chainOf(chains, stream).lastId = id;
  return halt;
}
