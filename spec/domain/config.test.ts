/**
 * loadConfig (actors/domain/config.ts): the defaults are what CONFIG_DOCS and the README table
 * say, every bad value is refused naming its variable, and the result is frozen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CONFIG_DOCS, DEFAULT_REPLAY_FILES, loadConfig, type Config } from '../../actors/domain/config.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { TIMEFRAMES } from '../../actors/domain/messages.ts';
import { DEFAULT_BODY_LIMIT } from '../../adapters/http/index.ts';

const s = suite('config');

const ROOT = resolve(import.meta.dirname, '../..');

/** Which Config field each documented variable sets. */
const FIELD_OF: Readonly<Record<string, keyof Config>> = {
  FAKEOUT_ROLE: 'role',
  FAKEOUT_PARTITION: 'partition',
  FAKEOUT_DATA_DIR: 'dataDir',
  NATS_URL: 'natsUrl',
  FAKEOUT_NATS_ADMIN_PASSWORD: 'natsAdminPassword',
  FAKEOUT_NATS_INGEST_PASSWORD: 'natsIngestPassword',
  FAKEOUT_NATS_PIPELINE_PASSWORD: 'natsPipelinePassword',
  FAKEOUT_NATS_GATEWAY_PASSWORD: 'natsGatewayPassword',
  FAKEOUT_NATS_OPS_PASSWORD: 'natsOpsPassword',
  FAKEOUT_STREAM_REPLICAS: 'streamReplicas',
  DATABASE_URL: 'databaseUrl',
  HOST: 'host',
  PORT: 'port',
  LOG_LEVEL: 'logLevel',
  FAKEOUT_WEBHOOK_SECRET: 'webhookSecret',
  FAKEOUT_WEBHOOK_BODY_LIMIT: 'webhookBodyLimit',
  FAKEOUT_WEBHOOK_ALLOW_IPS: 'webhookAllowIps',
  FAKEOUT_WEBHOOK_RATE: 'webhookRatePerMinute',
  FAKEOUT_TRUST_PROXY: 'trustProxy',
  FAKEOUT_EXCHANGE_TZ: 'exchangeZone',
  FAKEOUT_TIMEFRAMES: 'timeframes',
  FAKEOUT_BAR_CLOCK_TICK: 'barClockTickSeconds',
  FAKEOUT_AUDIT_MIRROR_MS: 'auditMirrorMs',
  FAKEOUT_INTEGRITY_EVERY: 'integrityEverySeconds',
  FAKEOUT_NATS_MONITOR_PORT: 'natsMonitorPort',
  FAKEOUT_INSPECT: 'inspect',
  FAKEOUT_INSPECT_PORT: 'inspectPort',
  FAKEOUT_BAR_CLOSE_GRACE: 'barCloseGraceMs',
  FAKEOUT_LOOKBACK: 'lookback',
  FAKEOUT_ATR_PERIOD: 'atrPeriod',
  FAKEOUT_WICK_THRESHOLD: 'wickThreshold',
  FAKEOUT_VOLUME_THRESHOLD: 'volumeThreshold',
  FAKEOUT_TRIGGER_SCORE: 'triggerScore',
  FAKEOUT_TARGET_R: 'targetR',
  FAKEOUT_STOP_BUFFER_ATR: 'stopBufferAtr',
  FAKEOUT_REPLAY: 'replayFiles',
  FAKEOUT_BATCH_SIZE: 'batchSize',
  FAKEOUT_COMMIT_AHEAD: 'commitAhead',
  FAKEOUT_COMMIT_INTERVAL_MS: 'commitIntervalMs',
  FAKEOUT_GATED_TRADES: 'gatedTrades',
  FAKEOUT_REGATE_TRADES: 'regateTrades',
  FAKEOUT_BREAKER_SLIPPAGE_RATIO: 'breakerSlippageRatio',
  FAKEOUT_BREAKER_SLIPPAGE_WINDOW: 'breakerSlippageWindow',
  FAKEOUT_BREAKER_MAX_LOSSES: 'breakerMaxLosses',
  FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT: 'breakerDailyDrawdownPct',
  FAKEOUT_BREAKER_ERROR_RATE: 'breakerErrorRate',
  FAKEOUT_BREAKER_ERROR_WINDOW: 'breakerErrorWindow',
  FAKEOUT_BREAKER_COOLDOWN: 'breakerCooldownSeconds',
  FAKEOUT_TIME_SKEW_SECONDS: 'timeSkewSeconds',
  FAKEOUT_NTP_SERVERS: 'ntpServers',
  FAKEOUT_NTP_SAMPLES: 'ntpSamples',
  FAKEOUT_NTP_TIMEOUT_MS: 'ntpTimeoutMs',
  FAKEOUT_NTP_POLL_SECONDS: 'ntpPollSeconds',
  FAKEOUT_CLOCK_WARN_MS: 'clockWarnMs',
  FAKEOUT_CLOCK_TRIP_MS: 'clockTripMs',
  FAKEOUT_CLOCK_NO_ANSWER_SECONDS: 'clockNoAnswerSeconds',
  FAKEOUT_WEBHOOK_MAX_AGE_DAYS: 'webhookMaxAgeDays',
  FAKEOUT_WEBHOOK_SKEW_ACTION: 'webhookSkewAction',
  FAKEOUT_REPLAY_MAX_GAP_DAYS: 'replayMaxGapDays',
  FAKEOUT_TIME_FLOOR: 'timeFloor',
  FAKEOUT_STARTING_EQUITY: 'startingEquity',
  FAKEOUT_RISK_PER_TRADE: 'riskPerTrade',
  FAKEOUT_MAX_LEVERAGE: 'maxLeverage',
  FAKEOUT_TIME_STOP_BARS: 'timeStopBars',
  FAKEOUT_SIGNAL_MAX_AGE: 'signalMaxAgeSeconds',
  FAKEOUT_APPROVAL_TTL: 'approvalTtlSeconds',
  FAKEOUT_CLOCK_TICK: 'clockTickSeconds',
  FAKEOUT_GATEWAY_LEASE_TTL: 'gatewayLeaseTtlSeconds',
  FAKEOUT_GATEWAY_ACCOUNT: 'gatewayAccount',
  FAKEOUT_SPREAD_BPS_EQUITY: 'spreadBpsEquity',
  FAKEOUT_SPREAD_BPS_FX: 'spreadBpsFx',
  FAKEOUT_SPREAD_BPS_CRYPTO: 'spreadBpsCrypto',
  FAKEOUT_FEE_PER_SHARE: 'feePerShare',
  FAKEOUT_FEE_MIN_EQUITY: 'feeMinEquity',
  FAKEOUT_FEE_BPS_FX: 'feeBpsFx',
  FAKEOUT_FEE_BPS_CRYPTO: 'feeBpsCrypto',
  FAKEOUT_IMPACT_K: 'impactK',
  FAKEOUT_LOW_LIQ_MULTIPLIER: 'lowLiqMultiplier',
  FAKEOUT_LOW_LIQ_PERCENTILE: 'lowLiqPercentile',
  FAKEOUT_NOISE_BPS: 'noiseBps',
  FAKEOUT_LIQUIDITY_SIGNAL_WINDOW: 'liquiditySignalWindow',
  FAKEOUT_LIQUIDITY_ALERT_SHARE: 'liquidityAlertShare',
  FAKEOUT_BROKER_SECRETS_FILE: 'brokerSecretsFile',
  FAKEOUT_AUTH_MAX_FAILURES: 'authMaxFailures',
  FAKEOUT_AUTH_LOCK_SECONDS: 'authLockSeconds',
  FAKEOUT_DESK_DAYS: 'deskDays',
  FAKEOUT_DESK_HOURS: 'deskHours',
  FAKEOUT_DESK_TZ: 'deskZone',
  FAKEOUT_CONFIG_PROPOSAL_TTL_HOURS: 'configProposalTtlHours',
  FAKEOUT_ADMIN_PASSWORD: 'adminPassword',
  FAKEOUT_DASHBOARD_SESSION_HOURS: 'dashboardSessionHours',
  FAKEOUT_DASHBOARD_IDLE_MINUTES: 'dashboardIdleMinutes',
  FAKEOUT_DASHBOARD_LOGIN_RATE: 'dashboardLoginRate',
};

/** A valid value different from the default, to show that loadConfig reads the variable. */
const NON_DEFAULT: Readonly<Record<string, string>> = {
  FAKEOUT_ROLE: 'pipeline',
  FAKEOUT_PARTITION: '1/3',
  FAKEOUT_DATA_DIR: '/var/lib/fakeout',
  NATS_URL: 'nats://10.0.0.5:4222',
  FAKEOUT_NATS_ADMIN_PASSWORD: 'foadmin0123456789',
  FAKEOUT_NATS_INGEST_PASSWORD: 'foingest0123456789',
  FAKEOUT_NATS_PIPELINE_PASSWORD: 'fopipeline0123456789',
  FAKEOUT_NATS_GATEWAY_PASSWORD: 'fogateway0123456789',
  FAKEOUT_NATS_OPS_PASSWORD: 'foops0123456789',
  FAKEOUT_STREAM_REPLICAS: '3',
  DATABASE_URL: 'postgres://fakeout@db/fakeout',
  HOST: '0.0.0.0',
  PORT: '9090',
  LOG_LEVEL: 'debug',
  FAKEOUT_WEBHOOK_SECRET: 's3cret',
  FAKEOUT_WEBHOOK_BODY_LIMIT: '4096',
  FAKEOUT_WEBHOOK_ALLOW_IPS: '52.89.214.238,10.0.0.0/8,2001:db8::/32,::1',
  FAKEOUT_WEBHOOK_RATE: '0',
  FAKEOUT_TRUST_PROXY: '127.0.0.1,10.0.0.0/8,loopback',
  FAKEOUT_EXCHANGE_TZ: 'America/New_York',
  FAKEOUT_TIMEFRAMES: '4h,1d',
  FAKEOUT_BAR_CLOCK_TICK: '0',
  FAKEOUT_AUDIT_MIRROR_MS: '250',
  FAKEOUT_INTEGRITY_EVERY: '0',
  FAKEOUT_NATS_MONITOR_PORT: '8222',
  FAKEOUT_INSPECT: 'true',
  FAKEOUT_INSPECT_PORT: '8081',
  FAKEOUT_BAR_CLOSE_GRACE: '500',
  FAKEOUT_LOOKBACK: '30',
  FAKEOUT_ATR_PERIOD: '21',
  FAKEOUT_WICK_THRESHOLD: '0.6',
  FAKEOUT_VOLUME_THRESHOLD: '2',
  FAKEOUT_TRIGGER_SCORE: '80',
  FAKEOUT_TARGET_R: '3',
  FAKEOUT_STOP_BUFFER_ATR: '0.25',
  FAKEOUT_REPLAY: 'a.csv',
  FAKEOUT_BATCH_SIZE: '100',
  FAKEOUT_COMMIT_AHEAD: '500',
  FAKEOUT_COMMIT_INTERVAL_MS: '250',
  FAKEOUT_GATED_TRADES: '20',
  FAKEOUT_REGATE_TRADES: '5',
  FAKEOUT_BREAKER_SLIPPAGE_RATIO: '2',
  FAKEOUT_BREAKER_SLIPPAGE_WINDOW: '50',
  FAKEOUT_BREAKER_MAX_LOSSES: '4',
  FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT: '2.5',
  FAKEOUT_BREAKER_ERROR_RATE: '0.1',
  FAKEOUT_BREAKER_ERROR_WINDOW: '10',
  FAKEOUT_BREAKER_COOLDOWN: '60',
  FAKEOUT_TIME_SKEW_SECONDS: '5',
  FAKEOUT_NTP_SERVERS: '127.0.0.1:1123,time.example.net,[::1]:123',
  FAKEOUT_NTP_SAMPLES: '8',
  FAKEOUT_NTP_TIMEOUT_MS: '250',
  FAKEOUT_NTP_POLL_SECONDS: '1024',
  FAKEOUT_CLOCK_WARN_MS: '50',
  FAKEOUT_CLOCK_TRIP_MS: '500',
  FAKEOUT_CLOCK_NO_ANSWER_SECONDS: '3600',
  FAKEOUT_WEBHOOK_MAX_AGE_DAYS: '1.5',
  FAKEOUT_WEBHOOK_SKEW_ACTION: 'flag',
  FAKEOUT_REPLAY_MAX_GAP_DAYS: '400',
  FAKEOUT_TIME_FLOOR: '1900-01-01',
  FAKEOUT_STARTING_EQUITY: '25000',
  FAKEOUT_RISK_PER_TRADE: '0.01',
  FAKEOUT_MAX_LEVERAGE: '2.5',
  FAKEOUT_TIME_STOP_BARS: '5',
  FAKEOUT_SIGNAL_MAX_AGE: '120',
  FAKEOUT_APPROVAL_TTL: '600',
  FAKEOUT_CLOCK_TICK: '30',
  FAKEOUT_GATEWAY_LEASE_TTL: '4',
  FAKEOUT_GATEWAY_ACCOUNT: 'desk-2',
  FAKEOUT_SPREAD_BPS_EQUITY: '2',
  FAKEOUT_SPREAD_BPS_FX: '0.5',
  FAKEOUT_SPREAD_BPS_CRYPTO: '3',
  FAKEOUT_FEE_PER_SHARE: '0.0035',
  FAKEOUT_FEE_MIN_EQUITY: '0.35',
  FAKEOUT_FEE_BPS_FX: '0.1',
  FAKEOUT_FEE_BPS_CRYPTO: '5',
  FAKEOUT_IMPACT_K: '1',
  FAKEOUT_LOW_LIQ_MULTIPLIER: '3',
  FAKEOUT_LOW_LIQ_PERCENTILE: '25',
  FAKEOUT_NOISE_BPS: '0',
  FAKEOUT_LIQUIDITY_SIGNAL_WINDOW: '50',
  FAKEOUT_LIQUIDITY_ALERT_SHARE: '0.25',
  FAKEOUT_BROKER_SECRETS_FILE: '/etc/fakeout/broker.json',
  FAKEOUT_AUTH_MAX_FAILURES: '3',
  FAKEOUT_AUTH_LOCK_SECONDS: '60',
  FAKEOUT_DESK_DAYS: 'Sun-Thu',
  FAKEOUT_DESK_HOURS: '07:30-16:00',
  FAKEOUT_DESK_TZ: 'Asia/Dubai',
  FAKEOUT_CONFIG_PROPOSAL_TTL_HOURS: '6',
  FAKEOUT_ADMIN_PASSWORD: 'first-admin-password',
  FAKEOUT_DASHBOARD_SESSION_HOURS: '8',
  FAKEOUT_DASHBOARD_IDLE_MINUTES: '15',
  FAKEOUT_DASHBOARD_LOGIN_RATE: '5',
};

/** What a variable needs beside it to be valid (FAKEOUT_PARTITION splits role pipeline only). */
const NEEDS: Readonly<Record<string, Record<string, string>>> = {
  FAKEOUT_PARTITION: { FAKEOUT_ROLE: 'pipeline', NATS_URL: 'nats://10.0.0.5:4222', DATABASE_URL: 'postgres://fakeout@db/fakeout' },
};

/** A Config value as the README / CONFIG_DOCS would write it. */
function asText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'index' in value && 'count' in value) return `${String(value.index)}/${String(value.count)}`;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The `| \`NAME\` | default | meaning |` rows of README.md's configuration table. */
function readmeConfigRows(): Map<string, { dflt: string; meaning: string }> {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = md.indexOf('## Configuration');
  assert.ok(start >= 0, 'README.md has a "## Configuration" section');
  const next = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, next < 0 ? undefined : next);
  const rows = new Map<string, { dflt: string; meaning: string }>();
  for (const line of section.split('\n')) {
    // The meaning may contain `|`-free markdown only; split on the first three cell borders.
    const m = /^\|\s*`([A-Z_]+)`\s*\|([^|]*)\|(.*)\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, { dflt: m[2]!.trim(), meaning: m[3]!.trim() });
  }
  return rows;
}

s('FIELD_OF covers CONFIG_DOCS and every Config field exactly (a new variable needs a doc row)', () => {
  assert.equal(CONFIG_DOCS.map((d) => d.name).sort(), Object.keys(FIELD_OF).sort());
  assert.equal(Object.keys(loadConfig({})).sort(), Object.values(FIELD_OF).sort());
});

s('every variable config.ts reads is documented in CONFIG_DOCS', () => {
  const src = readFileSync(join(ROOT, 'actors/domain/config.ts'), 'utf8');
  const read = new Set([...src.matchAll(/\b(?:text|num)\(env, '([A-Z_]+)'/g)].map((m) => m[1]!));
  assert.ok(read.size >= 20, `found ${read.size} variables read`);
  const documented = new Set(CONFIG_DOCS.map((d) => d.name));
  assert.equal([...read].filter((v) => !documented.has(v)), []);
  assert.equal([...documented].filter((v) => !read.has(v)), []);
});

s('with an empty environment every field takes the default CONFIG_DOCS states', () => {
  const config = loadConfig({});
  for (const doc of CONFIG_DOCS) {
    const value = config[FIELD_OF[doc.name]!];
    if (doc.name === 'FAKEOUT_REPLAY') {
      assert.equal(value, DEFAULT_REPLAY_FILES, doc.name);
    } else if (doc.default.startsWith('(')) {
      // '(unset)', '(unset: embedded …)', '(generated)': nothing configured, decided at start.
      assert.is(value, undefined, doc.name);
    } else {
      assert.is(asText(value), doc.default, doc.name);
      if (typeof value === 'number') assert.is(value, Number(doc.default), `${doc.name} is a number`);
    }
  }
});

s('the empty-environment defaults, spelled out', () => {
  // Independent of CONFIG_DOCS, so a default changed in both places at once is still noticed.
  const c = loadConfig({});
  assert.is(c.role, 'all');
  assert.is(c.dataDir, '.fakeout');
  assert.is(c.host, '127.0.0.1');
  assert.is(c.port, 8080);
  assert.is(c.logLevel, 'info');
  assert.is(c.webhookBodyLimit, 16384);
  assert.is(c.webhookAllowIps, undefined); // any address
  assert.is(c.webhookRatePerMinute, 600);
  assert.is(c.trustProxy, false);
  assert.is(c.exchangeZone, 'UTC');
  assert.equal(c.timeframes, ['1m', '5m', '15m', '1h']);
  assert.is(c.lookback, 20);
  assert.is(c.atrPeriod, 14);
  assert.is(c.wickThreshold, 0.5);
  assert.is(c.volumeThreshold, 1.5);
  assert.is(c.triggerScore, 70);
  assert.is(c.targetR, 2);
  assert.is(c.stopBufferAtr, 0.1);
  assert.is(c.batchSize, 500);
  assert.is(c.gatedTrades, 10);
  assert.is(c.regateTrades, 3);
  assert.is(c.breakerSlippageRatio, 1.5);
  assert.is(c.breakerSlippageWindow, 20);
  assert.is(c.breakerMaxLosses, 5);
  assert.is(c.breakerDailyDrawdownPct, 3);
  assert.is(c.breakerErrorRate, 0.2);
  assert.is(c.breakerErrorWindow, 20);
  assert.is(c.breakerCooldownSeconds, 900);
  assert.is(c.timeSkewSeconds, 60);
  assert.is(c.ntpServers, undefined);
  assert.equal([c.ntpSamples, c.ntpTimeoutMs, c.ntpPollSeconds, c.clockWarnMs, c.clockTripMs, c.clockNoAnswerSeconds], [4, 1000, 64, 100, 1000, 900]);
  assert.is(c.webhookMaxAgeDays, 7);
  assert.is(c.replayMaxGapDays, 31);
  assert.is(c.timeFloor, '1980-01-01');
  assert.is(c.startingEquity, 100000);
  assert.is(c.riskPerTrade, 0.005);
  assert.is(c.timeStopBars, 20);
  assert.is(c.impactK, 0.5);
  assert.is(c.lowLiqMultiplier, 2);
  assert.is(c.authMaxFailures, 5);
  assert.is(c.authLockSeconds, 900);
  assert.equal([c.gatewayLeaseTtlSeconds, c.gatewayAccount], [10, 'paper']);
  for (const k of ['natsUrl', 'natsAdminPassword', 'natsIngestPassword', 'natsPipelinePassword', 'natsGatewayPassword', 'natsOpsPassword', 'databaseUrl', 'webhookSecret', 'brokerSecretsFile', 'adminPassword'] as const) {
    assert.is(c[k], undefined, k);
  }
});

s('the default replay files are the bundled samples, and they exist in data/', () => {
  assert.ok(DEFAULT_REPLAY_FILES.length > 0);
  for (const f of DEFAULT_REPLAY_FILES) {
    assert.ok(f.startsWith('data/'), f);
    assert.ok(existsSync(join(ROOT, f)), `${f} exists`);
  }
});

s('the webhook body limit default agrees with the HTTP server default', () => {
  assert.is(loadConfig({}).webhookBodyLimit, DEFAULT_BODY_LIMIT);
});

s('every documented variable is read: a valid non-default value changes its field', () => {
  const defaults = loadConfig({});
  for (const doc of CONFIG_DOCS) {
    const field = FIELD_OF[doc.name]!;
    const raw = NON_DEFAULT[doc.name];
    assert.ok(raw !== undefined, `NON_DEFAULT has ${doc.name}`);
    const value = loadConfig({ ...NEEDS[doc.name], [doc.name]: raw })[field];
    assert.not.equal(value, defaults[field], doc.name);
    assert.is(asText(value), raw, doc.name);
  }
});

s('every CONFIG_DOCS variable is in the README configuration table with the same default', () => {
  const rows = readmeConfigRows();
  for (const doc of CONFIG_DOCS) {
    const row = rows.get(doc.name);
    assert.ok(row !== undefined, `README.md configuration table has ${doc.name}`);
    assert.is(row.dflt, doc.default, `${doc.name}: default in README.md`);
  }
});

s('the README configuration table lists no variable CONFIG_DOCS lacks, with the same meanings', () => {
  const rows = readmeConfigRows();
  const documented = new Map(CONFIG_DOCS.map((d) => [d.name, d]));
  assert.equal([...rows.keys()].filter((n) => !documented.has(n)), []);
  for (const [name, row] of rows) assert.is(row.meaning, documented.get(name)!.meaning, `${name}: meaning in README.md`);
});

s('values at the edges of their ranges are accepted', () => {
  assert.is(loadConfig({ PORT: '0' }).port, 0);
  assert.is(loadConfig({ PORT: '65535' }).port, 65535);
  assert.is(loadConfig({ FAKEOUT_WICK_THRESHOLD: '1' }).wickThreshold, 1);
  assert.is(loadConfig({ FAKEOUT_TRIGGER_SCORE: '0' }).triggerScore, 0);
  assert.is(loadConfig({ FAKEOUT_TRIGGER_SCORE: '100' }).triggerScore, 100);
  assert.is(loadConfig({ FAKEOUT_BATCH_SIZE: '1' }).batchSize, 1);
  assert.is(loadConfig({ FAKEOUT_BATCH_SIZE: '10000' }).batchSize, 10000);
  assert.is(loadConfig({ FAKEOUT_STOP_BUFFER_ATR: '0' }).stopBufferAtr, 0);
  assert.is(loadConfig({ FAKEOUT_GATED_TRADES: '1' }).gatedTrades, 1);
  assert.equal([0, 2, 600].map((n) => loadConfig({ FAKEOUT_GATEWAY_LEASE_TTL: String(n) }).gatewayLeaseTtlSeconds), [0, 2, 600]);
  assert.is(loadConfig({ FAKEOUT_REGATE_TRADES: '1000' }).regateTrades, 1000);
  assert.is(loadConfig({ FAKEOUT_BREAKER_ERROR_RATE: '0' }).breakerErrorRate, 0);
  assert.is(loadConfig({ FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT: '99.9' }).breakerDailyDrawdownPct, 99.9);
  assert.is(loadConfig({ FAKEOUT_BREAKER_COOLDOWN: '0' }).breakerCooldownSeconds, 0);
  assert.is(loadConfig({ FAKEOUT_BREAKER_COOLDOWN: '604800' }).breakerCooldownSeconds, 604800);
  assert.is(loadConfig({ NATS_URL: '127.0.0.1:4222' }).natsUrl, '127.0.0.1:4222');
  assert.is(loadConfig({ NATS_URL: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223' }).natsUrl, 'nats://127.0.0.1:4222, nats://127.0.0.1:4223');
  assert.is(loadConfig({ FAKEOUT_STREAM_REPLICAS: '5' }).streamReplicas, 5);
  assert.is(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl, 'postgresql://u@h/db');
});

s('every level LOG_LEVEL documents is accepted', () => {
  const doc = CONFIG_DOCS.find((d) => d.name === 'LOG_LEVEL')!;
  const levels = doc.meaning.replace(/^pino level:\s*/, '').split(',').map((x) => x.trim());
  assert.equal(levels, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  for (const level of levels) assert.is(loadConfig({ LOG_LEVEL: level }).logLevel, level);
});

s('the timeframes FAKEOUT_TIMEFRAMES documents are exactly the ones accepted', () => {
  const doc = CONFIG_DOCS.find((d) => d.name === 'FAKEOUT_TIMEFRAMES')!;
  const listed = /\(from ([^)]*)\)/.exec(doc.meaning)?.[1]?.split(',').map((x) => x.trim());
  assert.equal(listed, [...TIMEFRAMES]);
  assert.equal(loadConfig({ FAKEOUT_TIMEFRAMES: listed!.join(',') }).timeframes, [...TIMEFRAMES]);
});

s('blank and whitespace-only values count as unset', () => {
  const c = loadConfig({ PORT: '   ', NATS_URL: '', FAKEOUT_ROLE: ' ', FAKEOUT_REPLAY: '' });
  assert.is(c.port, 8080);
  assert.is(c.natsUrl, undefined);
  assert.is(c.role, 'all');
  assert.equal(c.replayFiles, DEFAULT_REPLAY_FILES);
});

s('FAKEOUT_REPLAY=none replays nothing; a list is split on commas and trimmed', () => {
  assert.equal(loadConfig({ FAKEOUT_REPLAY: 'none' }).replayFiles, []);
  assert.equal(loadConfig({ FAKEOUT_REPLAY: ' a.csv , data/b.zip ,, ' }).replayFiles, ['a.csv', 'data/b.zip']);
  assert.equal(loadConfig({ FAKEOUT_TIMEFRAMES: ' 5m , 1h ' }).timeframes, ['5m', '1h']);
});

s('the returned config and its lists are frozen', () => {
  const c = loadConfig({ FAKEOUT_REPLAY: 'a.csv,b.csv' });
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.timeframes));
  assert.ok(Object.isFrozen(c.replayFiles));
  // ESM is strict mode: writing a frozen property throws instead of being ignored.
  assert.throws(() => {
    (c as Config).port = 1;
  }, TypeError);
  assert.throws(() => {
    (c.replayFiles as string[]).push('c.csv');
  }, TypeError);
  assert.is(c.port, 8080);
});

s('CONFIG_DOCS itself is frozen and names each variable once', () => {
  assert.ok(Object.isFrozen(CONFIG_DOCS));
  const names = CONFIG_DOCS.map((d) => d.name);
  assert.equal(names.filter((n, i) => names.indexOf(n) !== i), []);
  for (const d of CONFIG_DOCS) assert.ok(d.default.length > 0 && d.meaning.length > 0, d.name);
});

s.run();
