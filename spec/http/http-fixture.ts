/**
 * Test fixture for the HTTP adapter: a server with a recording fake acceptAlert, and fastify's
 * real pino writing its JSON lines into an array, driven through `app.inject()` (no network).
 */
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../adapters/http/index.ts';
import type { ClosedBar, HttpServerOptions } from '../../adapters/http/index.ts';
import { createMetrics } from '../../adapters/metrics/index.ts';
import type { IngestOutcome, Metrics } from '../../adapters/metrics/index.ts';

export const SECRET = 'tv-shared-secret-7f3a';

export interface AlertCall {
  body: Record<string, unknown>;
  meta: { remote: string };
}

export interface Fixture {
  app: FastifyInstance;
  metrics: Metrics;
  calls: AlertCall[];
  /** every log line, as pino wrote it */
  logs: string[];
}

export function makeFixture(
  overrides: Partial<HttpServerOptions> & { respond?: (call: AlertCall) => Promise<{ id: string; duplicate: boolean; closes?: ClosedBar[] }> } = {},
): Fixture {
  const calls: AlertCall[] = [];
  const logs: string[] = [];
  const metrics = overrides.metrics ?? createMetrics();
  const respond: (call: AlertCall) => Promise<{ id: string; duplicate: boolean; closes?: ClosedBar[] }> =
    overrides.respond ?? (async () => ({ id: 'alert-1', duplicate: false }));
  const { respond: _r, ...rest } = overrides;
  const app = buildHttpServer({
    logger: { level: 'debug', stream: { write: (line: string) => void logs.push(line) } },
    webhookSecret: SECRET,
    acceptAlert: async (body, meta) => {
      const call = { body, meta };
      calls.push(call);
      const r = await respond(call);
      return { ...r, closes: r.closes ?? [] };
    },
    actorsTree: () => ({ id: 'root', children: [] }),
    metrics,
    ...rest,
  });
  return { app, metrics, calls, logs };
}

/** The value of `fakeout_ingested_total{source="tradingview",outcome}`. */
export async function ingestedCount(metrics: Metrics, outcome: IngestOutcome): Promise<number> {
  const { values } = await metrics.ingested.get();
  return values.find((v) => v.labels.source === 'tradingview' && v.labels.outcome === outcome)?.value ?? Number.NaN;
}

/** A valid-looking TradingView alert with the shared secret in it. */
export function alertBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { secret: SECRET, symbol: 'BINANCE:BTCUSDT', price: 64000.5, time: '2024-05-01T12:00:00Z', ...extra };
}
