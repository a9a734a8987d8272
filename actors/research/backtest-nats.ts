/**
 * The NATS backtest engine (`fakeout backtest --engine nats`): the real actor pipeline (role
 * `all`: its own embedded nats-server, every stage under the supervisor, JetStream between them)
 * replays the files into a fresh embedded database in a temporary data directory, then the run's
 * records are read back from Postgres. Slow, and the proof that the in-process engine is the
 * live system: the parity test runs both on the same data.
 *
 * POLICY: never the operator's own store. `DATABASE_URL` and `FAKEOUT_DATA_DIR` are ignored: the
 * run gets a new directory (removed afterwards unless `keepDir`) and PGlite inside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { listBars, listClosedTrades, listFills, listSignals } from '../../adapters/db/index.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { startApp, type App } from '../app/app.ts';
import { loadConfig } from '../domain/config.ts';
import type { ReplayRequest } from '../ingest/replay.actor.ts';
import { decisionKey, type BacktestRecords } from './backtest-records.ts';
import { SIMULATED_APPROVER } from './backtest-inprocess.ts';

export interface NatsEngineOptions {
  files: readonly ReplayRequest[];
  /** the environment the run's config is loaded from (the backtest's parameters already merged in) */
  env: Readonly<Record<string, string | undefined>>;
  /** keep the data directory (its log is `backtest.log`) */
  keepDir?: boolean;
  timeoutMs?: number;
}

/** What must differ from a live start for a self-contained run (documented in docs/research.md). */
function runEnv(env: NatsEngineOptions['env'], dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'DATABASE_URL') out[k] = v;
  return {
    ...out,
    FAKEOUT_DATA_DIR: dir, FAKEOUT_ROLE: 'all', PORT: '0', FAKEOUT_REPLAY: 'none',
    FAKEOUT_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
    // no wall-clock inputs: nothing but the data decides
    FAKEOUT_CLOCK_TICK: '3600', FAKEOUT_BAR_CLOCK_TICK: '0', FAKEOUT_INTEGRITY_EVERY: '0', FAKEOUT_AUDIT_MIRROR_MS: '0', FAKEOUT_NTP_SERVERS: '',
  };
}

export async function runOnNats(opts: NatsEngineOptions): Promise<{ records: BacktestRecords; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-backtest-'));
  const logStream = createWriteStream(join(dir, 'backtest.log'), { flags: 'a' });
  let app: App | undefined;
  try {
    const config = loadConfig(runEnv(opts.env, dir));
    app = await startApp({ config, log: createLogger(config.logLevel, logStream), replay: [...opts.files], simulatedApprover: SIMULATED_APPROVER });
    await app.waitForIdle({ timeoutMs: opts.timeoutMs ?? 1_800_000 });
    const db = app.database.db;
    const orders = await db.selectFrom('orders').select(['client_order_id', 'signal_id', 'leg', 'symbol', 'side', 'qty', 'status']).execute();
    const records: BacktestRecords = {
      bars: await listBars(db),
      signals: await listSignals(db),
      orders: orders.map((o) => ({ clientOrderId: o.client_order_id, signalId: o.signal_id, leg: o.leg, symbol: o.symbol, side: o.side, qty: o.qty, status: o.status })),
      fills: (await listFills(db)).map((f) => ({
        fillId: f.fillId, clientOrderId: f.clientOrderId, signalId: f.signalId, leg: f.leg, side: f.side, qty: f.qty, price: f.price, fees: f.fees, time: f.filledAt,
        modelledBps: f.modelledBps, realisedBps: f.realisedBps,
      })),
      trades: await listClosedTrades(db),
      decisions: {},
    };
    const audits = await db.selectFrom('audit_log').select(['action', 'details']).where('actor', '=', 'execution-gateway').execute();
    for (const a of audits) {
      const k = decisionKey(a.action, (a.details ?? {}) as Record<string, unknown>);
      records.decisions[k] = (records.decisions[k] ?? 0) + 1;
    }
    return { records, dir };
  } finally {
    await app?.stop().catch(() => undefined);
    await new Promise((r) => logStream.end(r));
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}
