/**
 * raw-archiver: mirrors the immutable RAW stream into Postgres `raw_events`, in stream order,
 * hash-chained (each row carries the sha256 of its content and of the previous row).
 *
 * Idempotence: the row key is the RAW stream sequence (and the envelope id is unique), inserted
 * with ON CONFLICT DO NOTHING; the chain continues from the last stored row, read inside the
 * same transaction that stores the batch, so a replayed batch cannot fork the chain.
 */
import { appendRawEvents } from '../../adapters/db/index.ts';
import type { RawEnvelope } from '../domain/messages.ts';
import { decodeRawEnvelope } from '../ingest/envelope.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';

export interface ArchivedRaw {
  seq: number;
  envelope: RawEnvelope;
}

export const rawArchiverStage: StageDefinition<RawEnvelope, ArchivedRaw> = {
  name: 'raw-archiver',
  stream: 'RAW',
  decode: decodeRawEnvelope,
  create: () => ({
    apply: (envelope, seq) => [{ seq, envelope }],
    snapshot: () => ({}),
  }),
  toPublish: () => [],
  async persist(tx, outputs) {
    if (outputs.length === 0) return;
    // No prevSha cross-check: appendRawEvents reads the tail itself, under the chain lock, in
    // this same transaction; reading it once more before would only cost a round trip per batch.
    await appendRawEvents(tx, outputs);
  },
};
