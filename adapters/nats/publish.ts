/**
 * JSON publishing to JetStream with a deterministic Nats-Msg-Id on every message, so a publish
 * repeated after a crash or a retry is dropped by the stream instead of stored twice.
 */
import { JetStreamApiError, JetStreamError, type JetStreamClient } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { FakeoutError } from '../../actors/domain/errors.ts';

export type PublishResult = { seq: number; duplicate: boolean };
export type PublishItem = { subject: string; id: string; value: unknown };

/** Why a publish failed, decided from the error's type (never its text). */
export type PublishFailure = 'no-stream' | 'timeout' | 'permission' | 'api' | 'closed' | 'unknown';


const encoder = new TextEncoder();

/**
 * The UTF-8 bytes of `JSON.stringify(value)` (an empty body for `undefined`). TextEncoder, not
 * `Buffer.from`: a micro-benchmark had `Buffer.from` about a third cheaper, but in a CPU profile
 * of the whole replay its publish path cost more, not less (docs/benchmarks.md, session 22).
 */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Publishes `value` as JSON with `msgID = msgId` and waits for the stream's ack.
 * `duplicate: true` means the stream already held that id (within its duplicate window) and
 * `seq` is the sequence of the copy it kept.
 *
 * A publish issued while the connection is down can time out even though the client reconnects
 * within the timeout (seen with @nats-io 3.4 / nats-server 2.9.10; the message is not stored).
 * Retrying with the same msgId is always safe: that is what the id is for.
 *
 * @throws FakeoutError FAKEOUT_ERR_NATS_PUBLISH (details.reason: {@link PublishFailure})
 */
export async function publishJson(js: JetStreamClient, subject: string, msgId: string, value: unknown): Promise<PublishResult> {
  try {
    const ack = await js.publish(subject, jsonBytes(value), { msgID: msgId });
    return { seq: ack.seq, duplicate: ack.duplicate };
  } catch (err) {
    throw publishError(err, subject, msgId);
  }
}

/** Classifies a library error by type and wraps it. */
export function publishError(err: unknown, subject: string, msgId: string): FakeoutError {
  const reason = classify(err);
  return new FakeoutError('FAKEOUT_ERR_NATS_PUBLISH', `publish to ${subject} (msgID ${msgId}) failed: ${reason}`, {
    cause: err,
    details: { subject, msgId, reason },
  });
}

function classify(err: unknown): PublishFailure {
  const chain = causeChain(err);
  if (chain.some((e) => e instanceof PermissionViolationError)) return 'permission';
  // no stream listens on the subject: the request had no responders
  if (chain.some((e) => e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders()))) {
    return 'no-stream';
  }
  if (chain.some((e) => e instanceof TimeoutError)) return 'timeout';
  if (chain.some((e) => e instanceof ClosedConnectionError || e instanceof DrainingConnectionError)) return 'closed';
  if (chain.some((e) => e instanceof JetStreamApiError || e instanceof JetStreamError)) return 'api';
  return 'unknown';
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 8) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}
