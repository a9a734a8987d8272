/**
 * What a stage needs from the outside, as narrow ports. The app wires them to the NATS and
 * Postgres adapters; tests may wire them to the same real servers.
 */
import type { Db } from '../../adapters/db/index.ts';
import type { GovernedVersion } from '../config/governed.ts';

/** One delivered stream message (see adapters/nats/consume.ts). */
export interface DeliveredMessage {
  seq: number;
  subject: string;
  value: unknown;
  decodeError?: unknown;
  ack(): void;
  /**
   * Acks and resolves once the server has processed the ack, and with it every ack and nak sent
   * before it on this connection to this consumer (the server takes a consumer's acks in order).
   */
  ackSync?(): Promise<void>;
  nak(delayMs?: number): void;
}

export interface StageConsumer {
  fetchBatch(max: number, expiresMs: number): Promise<DeliveredMessage[]>;
  pending(): Promise<{ numPending: number; ackPending: number }>;
}

export interface OutboundMessage {
  subject: string;
  /** the Nats-Msg-Id: deterministic, so a republish after a crash is deduplicated */
  id: string;
  value: unknown;
}

export interface Bus {
  openConsumer(stream: string, durable: string): Promise<StageConsumer>;
  publishMany(items: OutboundMessage[]): Promise<{ seq: number; duplicate: boolean }[]>;
  /** the first sequence still in the stream (1 for a stream that never lost a message) */
  firstSeq(stream: string): Promise<number>;
  /** the newest message of `stream` on `subject` (wildcards allowed), decoded JSON; undefined when none */
  lastMessage(stream: string, subject: string): Promise<{ seq: number; subject: string; value: unknown } | undefined>;
  /** the stored message at `seq` (STREAM.MSG.GET): its `Nats-Msg-Id` header and body text; undefined when none (the integrity auditor) */
  messageAt?(stream: string, seq: number): Promise<{ seq: number; subject: string; msgId: string | undefined; body: string } | undefined>;
  /** the stream's last sequence (0 when empty) */
  lastSeq?(stream: string): Promise<number>;
  /** the sequence of the first message on `subject` (wildcards allowed) at or after `fromSeq`; undefined when none (a partition's stages) */
  nextSeq?(stream: string, subject: string, fromSeq: number): Promise<number | undefined>;
  /** the state of the connection under this bus; without it a lost connection is a crash like any other */
  connection?: ConnectionWatch;
}

/**
 * The NATS connection's state as the stage runner needs it (adapters/nats/connection-watch.ts):
 * a lost connection or an unavailable JetStream (a leader election) makes a stage `reconnecting`,
 * not `failed`.
 */
export interface ConnectionWatch {
  /** false while the client is disconnected or reconnecting */
  isUp(): boolean;
  /** how many times the connection has dropped so far (a batch that saw it change was interrupted) */
  drops(): number;
  /** `cb(false)` when the connection drops, `cb(true)` when it is back; returns the unsubscribe */
  onChange(cb: (up: boolean) => void): () => void;
  /** resolves once the connection is up (at once when it is) */
  whenUp(): Promise<void>;
  /** whether `err` says NATS or JetStream is unreachable for now (timeout, no responders, no leader), not that the request was wrong */
  isTransient(err: unknown): boolean;
}

/** The governed config's current version (adapters/nats/config-kv.ts reads the KV bucket `config`). */
export interface ConfigReader {
  current(): Promise<GovernedVersion>;
}

/** The subset of pino's logger the actors use. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** The subset of the metrics the actors record (adapters/metrics). */
export interface StageMetrics {
  observeBatch(stage: string, seconds: number, counts: { processed: number; skipped: number; bad: number }): void;
  setPending(consumer: string, pending: number): void;
}

/** Kysely over the project schema (a transaction is one too); actors use the repo functions. */
export type AnyDb = Db;
