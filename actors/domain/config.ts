/**
 * Configuration is data: read from the environment once, validated at the edge, frozen.
 * Every variable is listed (with its default) in CONFIG_DOCS, which the README table mirrors;
 * spec/domain/config.test.ts keeps the two in step.
 */
import { FakeoutError } from './errors.ts';
import { isTimeframe, type Timeframe } from './messages.ts';

export type ProcessRole = 'all' | 'pipeline';

export interface Config {
  role: ProcessRole;
  dataDir: string;
  /** undefined: start an embedded nats-server under dataDir */
  natsUrl: string | undefined;
  natsUser: string | undefined;
  natsPassword: string | undefined;
  natsCreds: string | undefined;
  /** undefined: embedded PGlite under dataDir */
  databaseUrl: string | undefined;
  host: string;
  port: number;
  logLevel: string;
  /** undefined: generated once and kept in <dataDir>/webhook-secret */
  webhookSecret: string | undefined;
  webhookBodyLimit: number;
  /** zone for webhook/CSV timestamps that carry no offset */
  exchangeZone: string;
  timeframes: readonly Timeframe[];
  lookback: number;
  atrPeriod: number;
  wickThreshold: number;
  volumeThreshold: number;
  triggerScore: number;
  targetR: number;
  stopBufferAtr: number;
  /** files replayed by `fakeout start`; empty = none */
  replayFiles: readonly string[];
  batchSize: number;
}

export interface ConfigDoc {
  name: string;
  default: string;
  meaning: string;
}

export const CONFIG_DOCS: readonly ConfigDoc[] = Object.freeze([
  { name: 'FAKEOUT_ROLE', default: 'all', meaning: 'process role: `all` (everything in one process) or `pipeline` (no intake, no replay)' },
  { name: 'FAKEOUT_DATA_DIR', default: '.fakeout', meaning: 'where the embedded NATS store, embedded Postgres (PGlite) and the generated webhook secret live' },
  { name: 'NATS_URL', default: '(unset: embedded nats-server)', meaning: 'NATS server URL; unset starts `nats-server` with ./nats.conf on a free port as a supervised child' },
  { name: 'NATS_USER', default: '(unset)', meaning: 'NATS user name when NATS_URL is set' },
  { name: 'NATS_PASSWORD', default: '(unset)', meaning: 'NATS password when NATS_URL is set' },
  { name: 'NATS_CREDS', default: '(unset)', meaning: 'path of a NATS .creds file (instead of user/password)' },
  { name: 'DATABASE_URL', default: '(unset: embedded PGlite)', meaning: 'Postgres connection string; unset runs embedded PGlite under FAKEOUT_DATA_DIR/pglite' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'HTTP listen address (webhook, /actors, /metrics, /healthz)' },
  { name: 'PORT', default: '8080', meaning: 'HTTP port; 0 picks a free one' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'pino level: fatal, error, warn, info, debug, trace, silent' },
  { name: 'FAKEOUT_WEBHOOK_SECRET', default: '(generated)', meaning: 'shared secret TradingView alerts must carry; unset: generated once into FAKEOUT_DATA_DIR/webhook-secret' },
  { name: 'FAKEOUT_WEBHOOK_BODY_LIMIT', default: '16384', meaning: 'largest webhook body in bytes' },
  { name: 'FAKEOUT_EXCHANGE_TZ', default: 'UTC', meaning: 'time zone for incoming timestamps that carry no offset (IANA name or UTC±hh:mm), and for showing symbols the exchange-zone table does not list (actors/domain/exchange-zones.ts)' },
  { name: 'FAKEOUT_TIMEFRAMES', default: '1m,5m,15m,1h', meaning: 'bar timeframes built (from 1m, 5m, 15m, 1h, 4h, 1d)' },
  { name: 'FAKEOUT_LOOKBACK', default: '20', meaning: 'N: bars in the breakout range and the volume average' },
  { name: 'FAKEOUT_ATR_PERIOD', default: '14', meaning: 'ATR period (Wilder)' },
  { name: 'FAKEOUT_WICK_THRESHOLD', default: '0.5', meaning: 'wick ratio (of the bar range) that earns the full wick component' },
  { name: 'FAKEOUT_VOLUME_THRESHOLD', default: '1.5', meaning: 'volume ratio (to the N-bar mean) that earns the full volume component' },
  { name: 'FAKEOUT_TRIGGER_SCORE', default: '70', meaning: 'score (0..100) at or above which a score becomes a signal' },
  { name: 'FAKEOUT_TARGET_R', default: '2', meaning: 'signal target distance in multiples of the entry-to-stop risk' },
  { name: 'FAKEOUT_STOP_BUFFER_ATR', default: '0.1', meaning: 'stop placed this many ATR beyond the wick extreme' },
  { name: 'FAKEOUT_REPLAY', default: '(the bundled samples in data/)', meaning: 'comma-separated files `fakeout start` replays; `none` replays nothing' },
  { name: 'FAKEOUT_BATCH_SIZE', default: '500', meaning: 'messages a stage fetches and commits per batch' },
]);

export const DEFAULT_REPLAY_FILES: readonly string[] = Object.freeze([
  'data/lean_spy_20131007_trade_tick.zip',
  'data/lean_fxcm_eurusd_20140508_quote_tick.zip',
  'data/nautilus_ftx_btc-perp-20211231-20220201_1m.csv',
  'data/nfi_binance_BTC_USDT-5m.json',
]);

type Env = Readonly<Record<string, string | undefined>>;

function fail(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${field}: ${message}`, { details: { field } });
}

function text(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function num(env: Env, name: string, dflt: number, check: (n: number) => boolean, expect: string): number {
  const raw = text(env, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) fail(name, `expected ${expect}, got ${JSON.stringify(raw)}`);
  return n;
}

const isInt = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi;

/** Reads and validates the configuration; throws FAKEOUT_ERR_CONFIG_INVALID naming the variable. */
export function loadConfig(env: Env): Readonly<Config> {
  const role = text(env, 'FAKEOUT_ROLE') ?? 'all';
  if (role !== 'all' && role !== 'pipeline') fail('FAKEOUT_ROLE', `expected all or pipeline, got ${JSON.stringify(role)}`);

  const tfs = (text(env, 'FAKEOUT_TIMEFRAMES') ?? '1m,5m,15m,1h').split(',').map((s) => s.trim()).filter(Boolean);
  if (tfs.length === 0) fail('FAKEOUT_TIMEFRAMES', 'expected at least one timeframe');
  for (const tf of tfs) if (!isTimeframe(tf)) fail('FAKEOUT_TIMEFRAMES', `unknown timeframe ${JSON.stringify(tf)}`);

  const natsUrl = text(env, 'NATS_URL');
  if (natsUrl !== undefined && !/^(nats|tls|ws|wss):\/\/|^[\w.-]+:\d+$/.test(natsUrl)) {
    fail('NATS_URL', `expected nats://host:port, got ${JSON.stringify(natsUrl)}`);
  }
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    fail('DATABASE_URL', 'expected postgres://…');
  }
  const replay = text(env, 'FAKEOUT_REPLAY');
  const replayFiles =
    replay === undefined ? DEFAULT_REPLAY_FILES : replay === 'none' ? [] : replay.split(',').map((s) => s.trim()).filter(Boolean);
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    fail('LOG_LEVEL', `unknown level ${JSON.stringify(logLevel)}`);
  }

  return Object.freeze({
    role,
    dataDir: text(env, 'FAKEOUT_DATA_DIR') ?? '.fakeout',
    natsUrl,
    natsUser: text(env, 'NATS_USER'),
    natsPassword: text(env, 'NATS_PASSWORD'),
    natsCreds: text(env, 'NATS_CREDS'),
    databaseUrl,
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: num(env, 'PORT', 8080, isInt(0, 65535), 'an integer port 0..65535'),
    logLevel,
    webhookSecret: text(env, 'FAKEOUT_WEBHOOK_SECRET'),
    webhookBodyLimit: num(env, 'FAKEOUT_WEBHOOK_BODY_LIMIT', 16384, isInt(256, 1048576), 'bytes between 256 and 1048576'),
    exchangeZone: text(env, 'FAKEOUT_EXCHANGE_TZ') ?? 'UTC',
    timeframes: Object.freeze(tfs as Timeframe[]),
    lookback: num(env, 'FAKEOUT_LOOKBACK', 20, isInt(2, 1000), 'an integer 2..1000'),
    atrPeriod: num(env, 'FAKEOUT_ATR_PERIOD', 14, isInt(1, 1000), 'an integer 1..1000'),
    wickThreshold: num(env, 'FAKEOUT_WICK_THRESHOLD', 0.5, (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    volumeThreshold: num(env, 'FAKEOUT_VOLUME_THRESHOLD', 1.5, (n) => n > 0, 'a positive number'),
    triggerScore: num(env, 'FAKEOUT_TRIGGER_SCORE', 70, (n) => n >= 0 && n <= 100, 'a number 0..100'),
    targetR: num(env, 'FAKEOUT_TARGET_R', 2, (n) => n > 0, 'a positive number'),
    stopBufferAtr: num(env, 'FAKEOUT_STOP_BUFFER_ATR', 0.1, (n) => n >= 0, 'a non-negative number'),
    replayFiles: Object.freeze(replayFiles),
    batchSize: num(env, 'FAKEOUT_BATCH_SIZE', 500, isInt(1, 10000), 'an integer 1..10000'),
  } satisfies Config);
}
