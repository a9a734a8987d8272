/**
 * Signals where a person can see them:
 * - `GET /api/signals?symbol=&since=&limit=`: stored signals from Postgres, newest bar first;
 * - `GET /api/signals/stream?symbol=`: new signals as they are published on SIGNALS, as
 *   server-sent events (`event: signal`, `id:` = the SIGNALS stream sequence, `data:` = the
 *   signal as JSON), with a comment line as heartbeat. A client that reconnects with
 *   `Last-Event-ID` resumes after that sequence, so it misses nothing in between.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Signal } from '../../actors/domain/messages.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { parseSignalsQuery, parseSignalsStreamQuery, type SignalsQuery } from './signals-query.ts';

/** A live subscription to signals; `close()` must leave nothing behind on the server. */
export interface SignalFeed {
  close(): Promise<void>;
}

/** Options of {@link signalsRoutes}. */
export interface SignalsRoutesOptions {
  /** stored signals, newest bar first (adapters/db `recentSignals`) */
  recent(q: SignalsQuery): Promise<Signal[]>;
  /**
   * Calls `onSignal` for every signal published from now on (or after stream sequence
   * `afterSeq`), of `symbol` only when given; `onEnd` if the feed stops by itself.
   */
  follow(
    q: { symbol?: string; afterSeq?: number },
    onSignal: (seq: number, signal: Signal) => void,
    onEnd: (reason: string) => void,
  ): Promise<SignalFeed>;
  /** milliseconds between heartbeat comments; default 15 000 (under common proxy idle timeouts) */
  heartbeatMs?: number;
}

export const SIGNALS_PATH = '/api/signals';
export const SIGNALS_STREAM_PATH = '/api/signals/stream';

const LAST_EVENT_ID = /^\d{1,16}$/;

/** One server-sent event: JSON has no raw newlines, so `data:` is one line. */
export function sseEvent(seq: number, signal: Signal): string {
  return `id: ${seq}\nevent: signal\ndata: ${JSON.stringify(signal)}\n\n`;
}

export const signalsRoutes: FastifyPluginAsync<SignalsRoutesOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  /** open streams, ended when the server stops so that close() need not wait for clients */
  const open = new Set<() => Promise<void>>();
  app.addHook('preClose', async () => {
    await Promise.all([...open].map((end) => end()));
  });

  app.get(SIGNALS_PATH, async (request, reply) => {
    const q = parseSignalsQuery(request.query as Record<string, unknown>);
    const signals = await opts.recent(q);
    return reply.type('application/json; charset=utf-8').send({ order: 'newest first', signals });
  });

  app.get(SIGNALS_STREAM_PATH, async (request, reply) => {
    const q = parseSignalsStreamQuery(request.query as Record<string, unknown>);
    const lastId = request.headers['last-event-id'];
    if (lastId !== undefined && (typeof lastId !== 'string' || !LAST_EVENT_ID.test(lastId))) {
      throw new FakeoutError('FAKEOUT_ERR_API_INVALID_QUERY', 'Last-Event-ID: expected a SIGNALS stream sequence', { details: { field: 'Last-Event-ID' } });
    }
    const raw = reply.raw;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    let feed: SignalFeed | undefined;
    const end = async (): Promise<void> => {
      if (ended) return;
      ended = true;
      open.delete(end);
      if (timer) clearInterval(timer);
      await feed?.close();
      if (!raw.writableEnded) raw.end();
    };
    const write = (chunk: string) => {
      if (!ended && !raw.writableEnded) raw.write(chunk);
    };
    // Opened before the headers: a feed that cannot start is still an ordinary error answer.
    feed = await opts.follow(
      { ...q, ...(lastId === undefined ? {} : { afterSeq: Number(lastId) }) },
      (seq, signal) => write(sseEvent(seq, signal)),
      (reason) => {
        request.log.warn({ reason }, 'signal stream ended by the feed');
        void end();
      },
    );
    // No await between the feed opening and the headers: its first callback comes later.
    startStream(reply);
    open.add(end);
    write(`retry: 3000\n: connected${q.symbol === undefined ? '' : ` to ${q.symbol}`}\n\n`);
    timer = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    raw.on('close', () => void end());
    if (raw.destroyed) void end(); // the client left before the listener was there
  });
};

/** Hijacks `reply` and writes the headers of a server-sent event stream (shared by every SSE route). */
export function startStream(reply: FastifyReply): void {
  // Hijacked: fastify no longer answers for this request; the stream is written by hand.
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies otherwise buffer the stream
    'x-accel-buffering': 'no',
  });
  reply.raw.flushHeaders();
}
