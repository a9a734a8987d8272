/**
 * Configuration is data: read from the environment once, validated at the edge, frozen.
 * Every variable is listed (with its default) in CONFIG_DOCS, which the README table mirrors;
 * spec/domain/config.test.ts keeps the two in step.
 */
import { costModelFromConfig } from '../execution/cost-model.ts';
import { parseDeskDays, parseDeskHours } from '../config/desk-hours.ts';
import { fail, isInt, num, text, type Env } from './config-parse.ts';
import { NATS_PASSWORD_ENV, PROCESS_ROLES, type NatsUser, type ProcessRole } from './identities.ts';
import { isIP } from 'node:net';
import { IANAZone } from 'luxon';
import { parseAddressList } from './address-list.ts';
import { isTimeframe, type Timeframe } from './messages.ts';
import { parsePartition, type Partition } from './partition.ts';

/** FAKEOUT_COMMIT_AHEAD's default: messages a stage may have published ahead of their commit (actors/stage/commit-queue.ts). */
export const DEFAULT_COMMIT_AHEAD = 2000;
/** FAKEOUT_COMMIT_INTERVAL_MS's default: minimum ms between two transactions of a stage that commits behind its publish. */
export const DEFAULT_COMMIT_INTERVAL_MS = 100;

export type { ProcessRole };

export interface Config {
  role: ProcessRole;
  /** FAKEOUT_PARTITION: this pipeline process's share of the symbols; undefined = all of them (actors/domain/partition.ts) */
  partition: Partition | undefined;
  dataDir: string;
  /** undefined: start an embedded nats-server under dataDir */
  natsUrl: string | undefined;
  /** passwords of the nats.conf users, read with NATS_URL (the embedded server generates its own) */
  natsAdminPassword: string | undefined;
  natsIngestPassword: string | undefined;
  natsPipelinePassword: string | undefined;
  natsGatewayPassword: string | undefined;
  natsOpsPassword: string | undefined;
  /** replicas of every stream and of the KV bucket `config` (adapters/nats/topology.ts); at most the cluster's size */
  streamReplicas: number;
  /** undefined: embedded PGlite under dataDir */
  databaseUrl: string | undefined;
  host: string;
  port: number;
  logLevel: string;
  /** undefined: generated once and kept in <dataDir>/webhook-secret */
  webhookSecret: string | undefined;
  webhookBodyLimit: number;
  /** addresses/CIDRs that may post to the webhook (checked by parseAddressList); undefined = any address */
  webhookAllowIps: readonly string[] | undefined;
  /** webhook requests a minute per source address; 0 = no limit */
  webhookRatePerMinute: number;
  /** fastify trustProxy: false, true, a hop count, or proxy addresses/CIDRs (and proxy-addr's named ranges) */
  trustProxy: boolean | number | readonly string[];
  /** zone for webhook/CSV timestamps that carry no offset */
  exchangeZone: string;
  timeframes: readonly Timeframe[];
  /** live intake: seconds between clock ticks on RAW that close live bars with no later event; 0 = off (docs/bars.md) */
  barClockTickSeconds: number;
  /** seconds between scheduled integrity runs (actors/integrity/); 0 = off */
  integrityEverySeconds: number;
  /** the embedded nats-server's HTTP monitoring port on 127.0.0.1 (/varz, /jsz, /connz); 0 = a free one */
  natsMonitorPort: number;
  /** relay every actor's inspection events to the Stately inspector (`fakeout start --inspect`) */
  inspect: boolean;
  /** the inspector relay's port on 127.0.0.1 (WebSocket + viewer page); 0 = a free one */
  inspectPort: number;
  /** live intake: a live bar is closed by the clock this long after its end, ms */
  barCloseGraceMs: number;
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
  /** FAKEOUT_COMMIT_AHEAD: messages a stage may publish ahead of their commit; 0 = commit each batch before the next fetch */
  commitAhead: number;
  /** FAKEOUT_COMMIT_INTERVAL_MS: at most one such commit per stage per this many ms */
  commitIntervalMs: number;
  /** execution gate and circuit breaker (actors/risk/thresholds.ts, docs/risk.md) */
  gatedTrades: number;
  regateTrades: number;
  breakerSlippageRatio: number;
  breakerSlippageWindow: number;
  breakerMaxLosses: number;
  breakerDailyDrawdownPct: number;
  breakerErrorRate: number;
  breakerErrorWindow: number;
  breakerCooldownSeconds: number;
  /** event time window (actors/ingest/plausibility.ts): tolerated clock skew into the future */
  timeSkewSeconds: number;
  /** SNTP time oracle (adapters/time/sntp.ts, docs/time.md): servers asked, each `host[:port]` checked by
   * parseNtpServer; undefined = oracle off, system clock used */
  ntpServers: readonly string[] | undefined;
  ntpSamples: number;
  ntpTimeoutMs: number;
  ntpPollSeconds: number;
  /** drift judgment (adapters/time/drift.ts): |offset| above warn → warn; above trip, or no answer for noAnswer → trip */
  clockWarnMs: number;
  clockTripMs: number;
  clockNoAnswerSeconds: number;
  /** webhook events may start at most this many days before now */
  webhookMaxAgeDays: number;
  /** what the webhook does with an alert whose `time`/`timenow` is too far from corrected now (docs/webhook.md, "Clock skew") */
  webhookSkewAction: WebhookSkewAction;
  /** a replay row may start at most this many days after the latest accepted row of its file */
  replayMaxGapDays: number;
  /** `YYYY-MM-DD` (UTC): no event may start before this day */
  timeFloor: string;
  /** execution (docs/execution.md): paper equity, sizing, time stop, and the cost model's key parameters */
  startingEquity: number;
  riskPerTrade: number;
  /** a position's notional is at most equity × this */
  maxLeverage: number;
  timeStopBars: number;
  /** the execution gateway: an intent older than this (gateway clock) is stale, seconds */
  signalMaxAgeSeconds: number;
  /** a pending approval older than this (gateway clock) expires, seconds */
  approvalTtlSeconds: number;
  /** the gateway role publishes a wall-clock tick on ORDERS this often, seconds */
  clockTickSeconds: number;
  /** the audit mirror relays audit_log to AUDIT this often, ms; 0 = off */
  auditMirrorMs: number;
  spreadBpsEquity: number;
  spreadBpsFx: number;
  spreadBpsCrypto: number;
  feePerShare: number;
  feeMinEquity: number;
  feeBpsFx: number;
  feeBpsCrypto: number;
  impactK: number;
  lowLiqMultiplier: number;
  lowLiqPercentile: number;
  noiseBps: number;
  /** liquidity monitor: the last N signals the low-liquidity share is taken over, and the share above which it alerts */
  liquiditySignalWindow: number;
  liquidityAlertShare: number;
  /** path of the broker credentials file (JSON of named secrets, mode 0600); read only by roles that run execution */
  brokerSecretsFile: string | undefined;
  /** failed approvals (wrong or reused TOTP codes) within authLockSeconds that lock a user */
  authMaxFailures: number;
  /** how long a lock lasts, and how far back failures count */
  authLockSeconds: number;
  /** the first admin's dashboard password (`npm start` creates user `admin` when no admin exists); unset: generated and shown once */
  adminPassword: string | undefined;
  /** dashboard sessions: absolute lifetime, idle timeout, logins a minute per address and per user */
  dashboardSessionHours: number;
  dashboardIdleMinutes: number;
  dashboardLoginRate: number;
  /** config governance (docs/config.md): trading-desk days, hours and zone; a proposal's lifetime */
  deskDays: string;
  deskHours: string;
  deskZone: string;
  configProposalTtlHours: number;
  /** role gateway: seconds the gateway lease lives unrenewed (KV bucket `leases`, docs/execution.md); 0 = no lease, one gateway */
  gatewayLeaseTtlSeconds: number;
  /** the broker account the gateway trades: one active gateway per account (lease key `gateway.<account>`) */
  gatewayAccount: string;
}

export { CONFIG_DOCS, type ConfigDoc } from './config-docs.ts';

export const DEFAULT_REPLAY_FILES: readonly string[] = Object.freeze([
  'data/lean_spy_20131007_trade_tick.zip',
  'data/lean_fxcm_eurusd_20140508_quote_tick.zip',
  'data/nautilus_ftx_btc-perp-20211231-20220201_1m.csv',
  'data/nfi_binance_BTC_USDT-5m.json',
]);

export interface NtpServer {
  host: string;
  port: number;
}

/** An NTP server `host[:port]` (default port 123) or `[v6]:port`; throws a plain Error that loadConfig words with the variable name. */
export function parseNtpServer(spec: string): NtpServer {
  const s = spec.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  let host: string;
  let portText: string | undefined;
  if (v6) { host = v6[1]!; portText = v6[2]; }
  else if (isIP(s) === 6) { host = s; }
  else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
  }
  if (!/^[A-Za-z0-9.\-:]+$/.test(host)) throw new Error(`${JSON.stringify(spec)} is not host[:port]`);
  const port = portText === undefined ? 123 : Number(portText);
  if (!/^\d+$/.test(portText ?? '123') || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${JSON.stringify(spec)}: port must be 1..65535`);
  return { host, port };
}

/** What the webhook does with a skewed alert; see FAKEOUT_WEBHOOK_SKEW_ACTION. */
export const WEBHOOK_SKEW_ACTIONS = ['refuse', 'flag'] as const;
export type WebhookSkewAction = (typeof WEBHOOK_SKEW_ACTIONS)[number];

function skewAction(value: string): WebhookSkewAction {
  if (!(WEBHOOK_SKEW_ACTIONS as readonly string[]).includes(value)) {
    fail('FAKEOUT_WEBHOOK_SKEW_ACTION', `expected one of ${WEBHOOK_SKEW_ACTIONS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as WebhookSkewAction;
}

function account(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) fail('FAKEOUT_GATEWAY_ACCOUNT', `expected 1-64 of A-Z a-z 0-9 _ -, got ${JSON.stringify(raw)}`);
  return raw;
}

/** `raw` must be a `YYYY-MM-DD` calendar date that exists (its users read it as UTC midnight). */
function isoDate(name: string, raw: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== raw) fail(name, `expected a date YYYY-MM-DD, got ${JSON.stringify(raw)}`);
  return raw;
}

/** A list of addresses/CIDRs, or undefined when unset; a bad entry is refused naming `name` and the entry. */
function addresses(name: string, raw: string | undefined): readonly string[] | undefined {
  if (raw === undefined) return undefined;
  try {
    const list = parseAddressList(raw);
    return list.length === 0 ? undefined : list;
  } catch (err) {
    return fail(name, (err as Error).message);
  }
}

/** An on/off variable: `true` or `false` (any case); unset is off. */
function switchOf(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  return fail(name, `expected true or false, got ${JSON.stringify(raw)}`);
}

/** proxy-addr's named ranges, accepted beside addresses in FAKEOUT_TRUST_PROXY. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** FAKEOUT_TRUST_PROXY: `false` (default), `true`, a hop count 0..100, or proxy addresses/CIDRs/named ranges. */
function trustProxy(raw: string | undefined): boolean | number | readonly string[] {
  const name = 'FAKEOUT_TRUST_PROXY';
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100) fail(name, `expected a hop count 0..100, got ${JSON.stringify(raw)}`);
    return hops;
  }
  const entries = raw.split(',').map((e) => e.trim());
  const named = entries.filter((e) => PROXY_RANGES.includes(e));
  const rest = entries.filter((e) => !PROXY_RANGES.includes(e));
  try {
    if (rest.length > 0) parseAddressList(rest.join(','));
  } catch (err) {
    fail(name, `expected false, true, a hop count or proxy addresses/CIDRs (or ${PROXY_RANGES.join(', ')}): ${(err as Error).message}`);
  }
  return Object.freeze(named.length + rest.length > 0 ? entries : []);
}

/** Reads and validates the configuration; throws FAKEOUT_ERR_CONFIG_INVALID naming the variable. */
export function loadConfig(env: Env): Readonly<Config> {
  const role = (text(env, 'FAKEOUT_ROLE') ?? 'all') as ProcessRole;
  if (!PROCESS_ROLES.includes(role)) fail('FAKEOUT_ROLE', `expected one of ${PROCESS_ROLES.join(', ')}, got ${JSON.stringify(role)}`);

  const tfs = (text(env, 'FAKEOUT_TIMEFRAMES') ?? '1m,5m,15m,1h').split(',').map((s) => s.trim()).filter(Boolean);
  if (tfs.length === 0) fail('FAKEOUT_TIMEFRAMES', 'expected at least one timeframe');
  for (const tf of tfs) if (!isTimeframe(tf)) fail('FAKEOUT_TIMEFRAMES', `unknown timeframe ${JSON.stringify(tf)}`);

  const natsUrl = text(env, 'NATS_URL');
  // one server or several, comma-separated (a cluster: the client picks one and fails over to the others)
  for (const url of natsUrl?.split(',').map((u) => u.trim()) ?? []) {
    if (!/^(nats|tls|ws|wss):\/\/|^[\w.-]+:\d+$/.test(url)) fail('NATS_URL', `expected nats://host:port[,nats://host:port…], got ${JSON.stringify(url)}`);
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
    partition: parsePartition(text(env, 'FAKEOUT_PARTITION'), role, { natsUrl, databaseUrl }),
    dataDir: text(env, 'FAKEOUT_DATA_DIR') ?? '.fakeout',
    natsUrl,
    natsAdminPassword: text(env, 'FAKEOUT_NATS_ADMIN_PASSWORD'),
    natsIngestPassword: text(env, 'FAKEOUT_NATS_INGEST_PASSWORD'),
    natsPipelinePassword: text(env, 'FAKEOUT_NATS_PIPELINE_PASSWORD'),
    natsGatewayPassword: text(env, 'FAKEOUT_NATS_GATEWAY_PASSWORD'),
    natsOpsPassword: text(env, 'FAKEOUT_NATS_OPS_PASSWORD'),
    streamReplicas: num(env, 'FAKEOUT_STREAM_REPLICAS', 1, isInt(1, 5), 'an integer 1..5 (at most the servers in the NATS cluster)'),
    databaseUrl,
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: num(env, 'PORT', 8080, isInt(0, 65535), 'an integer port 0..65535'),
    logLevel,
    webhookSecret: text(env, 'FAKEOUT_WEBHOOK_SECRET'),
    webhookBodyLimit: num(env, 'FAKEOUT_WEBHOOK_BODY_LIMIT', 16384, isInt(256, 1048576), 'bytes between 256 and 1048576'),
    webhookAllowIps: addresses('FAKEOUT_WEBHOOK_ALLOW_IPS', text(env, 'FAKEOUT_WEBHOOK_ALLOW_IPS')),
    webhookRatePerMinute: num(env, 'FAKEOUT_WEBHOOK_RATE', 600, isInt(0, 1_000_000), 'a whole number of requests a minute 0..1000000 (0 = off)'),
    trustProxy: trustProxy(text(env, 'FAKEOUT_TRUST_PROXY')),
    exchangeZone: text(env, 'FAKEOUT_EXCHANGE_TZ') ?? 'UTC',
    timeframes: Object.freeze(tfs as Timeframe[]),
    barClockTickSeconds: num(env, 'FAKEOUT_BAR_CLOCK_TICK', 5, isInt(0, 3600), 'an integer number of seconds 0..3600 (0 = off)'),
    integrityEverySeconds: num(env, 'FAKEOUT_INTEGRITY_EVERY', 3600, isInt(0, 604800), 'an integer number of seconds 0..604800 (0 = off)'),
    natsMonitorPort: num(env, 'FAKEOUT_NATS_MONITOR_PORT', 0, isInt(0, 65535), 'an integer port 0..65535 (0 = a free one)'),
    inspect: switchOf('FAKEOUT_INSPECT', text(env, 'FAKEOUT_INSPECT')),
    inspectPort: num(env, 'FAKEOUT_INSPECT_PORT', 0, isInt(0, 65535), 'an integer port 0..65535 (0 = a free one)'),
    barCloseGraceMs: num(env, 'FAKEOUT_BAR_CLOSE_GRACE', 2000, isInt(0, 600000), 'an integer number of ms 0..600000'),
    lookback: num(env, 'FAKEOUT_LOOKBACK', 20, isInt(2, 1000), 'an integer 2..1000'),
    atrPeriod: num(env, 'FAKEOUT_ATR_PERIOD', 14, isInt(1, 1000), 'an integer 1..1000'),
    wickThreshold: num(env, 'FAKEOUT_WICK_THRESHOLD', 0.5, (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    volumeThreshold: num(env, 'FAKEOUT_VOLUME_THRESHOLD', 1.5, (n) => n > 0, 'a positive number'),
    triggerScore: num(env, 'FAKEOUT_TRIGGER_SCORE', 70, (n) => n >= 0 && n <= 100, 'a number 0..100'),
    targetR: num(env, 'FAKEOUT_TARGET_R', 2, (n) => n > 0, 'a positive number'),
    stopBufferAtr: num(env, 'FAKEOUT_STOP_BUFFER_ATR', 0.1, (n) => n >= 0, 'a non-negative number'),
    replayFiles: Object.freeze(replayFiles),
    batchSize: num(env, 'FAKEOUT_BATCH_SIZE', 500, isInt(1, 10000), 'an integer 1..10000'),
    commitAhead: num(env, 'FAKEOUT_COMMIT_AHEAD', DEFAULT_COMMIT_AHEAD, isInt(0, 20000), 'an integer 0..20000'),
    commitIntervalMs: num(env, 'FAKEOUT_COMMIT_INTERVAL_MS', DEFAULT_COMMIT_INTERVAL_MS, isInt(0, 5000), 'an integer 0..5000'),
    gatedTrades: num(env, 'FAKEOUT_GATED_TRADES', 10, isInt(1, 1000), 'an integer 1..1000'),
    regateTrades: num(env, 'FAKEOUT_REGATE_TRADES', 3, isInt(1, 1000), 'an integer 1..1000'),
    breakerSlippageRatio: num(env, 'FAKEOUT_BREAKER_SLIPPAGE_RATIO', 1.5, (n) => n > 0, 'a positive number'),
    breakerSlippageWindow: num(env, 'FAKEOUT_BREAKER_SLIPPAGE_WINDOW', 20, isInt(1, 1000), 'an integer 1..1000'),
    breakerMaxLosses: num(env, 'FAKEOUT_BREAKER_MAX_LOSSES', 5, isInt(1, 1000), 'an integer 1..1000'),
    breakerDailyDrawdownPct: num(env, 'FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT', 3, (n) => n > 0 && n < 100, 'a percentage in (0, 100)'),
    breakerErrorRate: num(env, 'FAKEOUT_BREAKER_ERROR_RATE', 0.2, (n) => n >= 0 && n < 1, 'a fraction in [0, 1)'),
    breakerErrorWindow: num(env, 'FAKEOUT_BREAKER_ERROR_WINDOW', 20, isInt(1, 1000), 'an integer 1..1000'),
    breakerCooldownSeconds: num(env, 'FAKEOUT_BREAKER_COOLDOWN', 900, isInt(0, 604800), 'whole seconds 0..604800'),
    timeSkewSeconds: num(env, 'FAKEOUT_TIME_SKEW_SECONDS', 60, isInt(0, 86_400), 'an integer 0..86400 (seconds)'),
    ...timeOracleConfig(env),
    webhookMaxAgeDays: num(env, 'FAKEOUT_WEBHOOK_MAX_AGE_DAYS', 7, (n) => n > 0 && n <= 3650, 'a number of days in (0, 3650]'),
    webhookSkewAction: skewAction(text(env, 'FAKEOUT_WEBHOOK_SKEW_ACTION') ?? 'refuse'),
    replayMaxGapDays: num(env, 'FAKEOUT_REPLAY_MAX_GAP_DAYS', 31, (n) => n > 0 && n <= 36_500, 'a number of days in (0, 36500]'),
    timeFloor: isoDate('FAKEOUT_TIME_FLOOR', text(env, 'FAKEOUT_TIME_FLOOR') ?? '1980-01-01'),
    ...executionConfig(env),
    liquiditySignalWindow: num(env, 'FAKEOUT_LIQUIDITY_SIGNAL_WINDOW', 20, isInt(1, 1000), 'an integer 1..1000'),
    liquidityAlertShare: num(env, 'FAKEOUT_LIQUIDITY_ALERT_SHARE', 0.3, (n) => n >= 0 && n < 1, 'a share in [0, 1)'),
    brokerSecretsFile: text(env, 'FAKEOUT_BROKER_SECRETS_FILE'),
    authMaxFailures: num(env, 'FAKEOUT_AUTH_MAX_FAILURES', 5, isInt(1, 100), 'an integer 1..100'),
    authLockSeconds: num(env, 'FAKEOUT_AUTH_LOCK_SECONDS', 900, isInt(1, 86400), 'whole seconds 1..86400'),
    adminPassword: adminPassword(text(env, 'FAKEOUT_ADMIN_PASSWORD')),
    dashboardSessionHours: num(env, 'FAKEOUT_DASHBOARD_SESSION_HOURS', 12, (n) => n > 0 && n <= 168, 'a number of hours in (0, 168]'),
    dashboardIdleMinutes: num(env, 'FAKEOUT_DASHBOARD_IDLE_MINUTES', 30, isInt(1, 1440), 'whole minutes 1..1440'),
    dashboardLoginRate: num(env, 'FAKEOUT_DASHBOARD_LOGIN_RATE', 10, isInt(1, 1000), 'an integer 1..1000'),
    ...deskConfig(env),
    configProposalTtlHours: num(env, 'FAKEOUT_CONFIG_PROPOSAL_TTL_HOURS', 24, (n) => n > 0 && n <= 720, 'a number of hours in (0, 720]'),
    gatewayLeaseTtlSeconds: num(env, 'FAKEOUT_GATEWAY_LEASE_TTL', 10, (n) => n === 0 || isInt(2, 600)(n), 'whole seconds 2..600, or 0 (no lease)'),
    gatewayAccount: account(text(env, 'FAKEOUT_GATEWAY_ACCOUNT') ?? 'paper'),
  } satisfies Config);
}

/** FAKEOUT_ADMIN_PASSWORD: the auth service's password rule (12..1024 characters), checked at start rather than at the first login. */
function adminPassword(value: string | undefined): string | undefined {
  if (value !== undefined && (value.length < 12 || value.length > 1024)) fail('FAKEOUT_ADMIN_PASSWORD', `expected 12 to 1024 characters, got ${value.length}`);
  return value;
}

/** The configured password of one NATS user (NATS_URL deployments), by the variable nats.conf reads too. */
export function natsPasswordOf(config: Readonly<Config>, user: NatsUser): string | undefined {
  const byUser: Record<NatsUser, string | undefined> = {
    admin: config.natsAdminPassword,
    ingest: config.natsIngestPassword,
    pipeline: config.natsPipelinePassword,
    gateway: config.natsGatewayPassword,
    ops: config.natsOpsPassword,
  };
  return byUser[user];
}

/** The variable to set for a user's password (for error messages). */
export function natsPasswordVariable(user: NatsUser): string {
  return NATS_PASSWORD_ENV[user];
}

const nonNegative = (n: number): boolean => n >= 0;

/**
 * The execution variables. Each is range-checked here (FAKEOUT_ERR_CONFIG_INVALID naming it);
 * then the cost model as a whole goes through validateCostModel, which refuses a venue whose
 * costs add up to zero with FAKEOUT_ERR_EXEC_COST_MODEL_INVALID naming the variable.
 */
function executionConfig(env: Env) {
  const c = {
    startingEquity: num(env, 'FAKEOUT_STARTING_EQUITY', 100000, (n) => n > 0, 'a positive amount'),
    riskPerTrade: num(env, 'FAKEOUT_RISK_PER_TRADE', 0.005, (n) => n > 0 && n <= 0.1, 'a fraction in (0, 0.1]'),
    maxLeverage: num(env, 'FAKEOUT_MAX_LEVERAGE', 4, (n) => n > 0 && n <= 100, 'a number in (0, 100]'),
    timeStopBars: num(env, 'FAKEOUT_TIME_STOP_BARS', 20, isInt(1, 100000), 'an integer 1..100000'),
    signalMaxAgeSeconds: num(env, 'FAKEOUT_SIGNAL_MAX_AGE', 300, isInt(1, 604800), 'an integer number of seconds 1..604800'),
    approvalTtlSeconds: num(env, 'FAKEOUT_APPROVAL_TTL', 3600, isInt(1, 604800), 'an integer number of seconds 1..604800'),
    clockTickSeconds: num(env, 'FAKEOUT_CLOCK_TICK', 15, isInt(1, 3600), 'an integer number of seconds 1..3600'),
    auditMirrorMs: num(env, 'FAKEOUT_AUDIT_MIRROR_MS', 1000, isInt(0, 3_600_000), 'an integer number of ms 0..3600000 (0 = off)'),
    spreadBpsEquity: num(env, 'FAKEOUT_SPREAD_BPS_EQUITY', 1, nonNegative, 'a non-negative number of bps'),
    spreadBpsFx: num(env, 'FAKEOUT_SPREAD_BPS_FX', 1, nonNegative, 'a non-negative number of bps'),
    spreadBpsCrypto: num(env, 'FAKEOUT_SPREAD_BPS_CRYPTO', 2, nonNegative, 'a non-negative number of bps'),
    feePerShare: num(env, 'FAKEOUT_FEE_PER_SHARE', 0.005, nonNegative, 'a non-negative amount'),
    feeMinEquity: num(env, 'FAKEOUT_FEE_MIN_EQUITY', 1, nonNegative, 'a non-negative amount'),
    feeBpsFx: num(env, 'FAKEOUT_FEE_BPS_FX', 0.2, nonNegative, 'a non-negative number of bps'),
    feeBpsCrypto: num(env, 'FAKEOUT_FEE_BPS_CRYPTO', 10, nonNegative, 'a non-negative number of bps'),
    impactK: num(env, 'FAKEOUT_IMPACT_K', 0.5, (n) => n > 0, 'a positive number (impact cannot be switched off)'),
    lowLiqMultiplier: num(env, 'FAKEOUT_LOW_LIQ_MULTIPLIER', 2, (n) => n >= 1, 'a number ≥ 1'),
    lowLiqPercentile: num(env, 'FAKEOUT_LOW_LIQ_PERCENTILE', 10, (n) => n > 0 && n < 100, 'a percentile in (0, 100)'),
    noiseBps: num(env, 'FAKEOUT_NOISE_BPS', 0.5, nonNegative, 'a non-negative number of bps'),
  };
  costModelFromConfig(c);
  return c;
}

/** Trading-desk hours for config governance (docs/config.md), checked here, parsed again where used. */
function deskConfig(env: Env) {
  const deskDays = text(env, 'FAKEOUT_DESK_DAYS') ?? 'Mon-Fri';
  const deskHours = text(env, 'FAKEOUT_DESK_HOURS') ?? '08:00-18:00';
  const deskZone = text(env, 'FAKEOUT_DESK_TZ') ?? 'UTC';
  parseDeskDays(deskDays);
  parseDeskHours(deskHours);
  if (!IANAZone.isValidZone(deskZone)) fail('FAKEOUT_DESK_TZ', `unknown IANA time zone ${JSON.stringify(deskZone)}`);
  return { deskDays, deskHours, deskZone };
}

/** The SNTP time oracle and drift-judgment variables (docs/time.md). */
function timeOracleConfig(env: Env) {
  const raw = text(env, 'FAKEOUT_NTP_SERVERS');
  const list = raw === undefined ? undefined : raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (list !== undefined && list.length === 0) fail('FAKEOUT_NTP_SERVERS', 'expected host[:port] servers separated by commas (unset it to turn the time oracle off)');
  for (const spec of list ?? []) {
    try { parseNtpServer(spec); } catch (err) { fail('FAKEOUT_NTP_SERVERS', (err as Error).message); }
  }
  const clockWarnMs = num(env, 'FAKEOUT_CLOCK_WARN_MS', 100, isInt(1, 3_600_000), 'an integer 1..3600000 (ms)');
  const clockTripMs = num(env, 'FAKEOUT_CLOCK_TRIP_MS', 1000, isInt(1, 3_600_000), 'an integer 1..3600000 (ms)');
  if (clockTripMs <= clockWarnMs) fail('FAKEOUT_CLOCK_TRIP_MS', `must be above FAKEOUT_CLOCK_WARN_MS (${clockWarnMs}), got ${clockTripMs}`);
  return {
    ntpServers: list === undefined ? undefined : Object.freeze(list),
    ntpSamples: num(env, 'FAKEOUT_NTP_SAMPLES', 4, isInt(1, 16), 'an integer 1..16'),
    ntpTimeoutMs: num(env, 'FAKEOUT_NTP_TIMEOUT_MS', 1000, isInt(10, 10_000), 'an integer 10..10000 (ms)'),
    ntpPollSeconds: num(env, 'FAKEOUT_NTP_POLL_SECONDS', 64, isInt(16, 86_400), 'an integer 16..86400 (seconds)'),
    clockWarnMs,
    clockTripMs,
    clockNoAnswerSeconds: num(env, 'FAKEOUT_CLOCK_NO_ANSWER_SECONDS', 900, isInt(1, 604_800), 'an integer 1..604800 (seconds)'),
  };
}
