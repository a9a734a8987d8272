/**
 * loadConfig refusals (actors/domain/config.ts): every bad value is refused with
 * FAKEOUT_ERR_CONFIG_INVALID naming its variable; the webhook sender variables in detail.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';

const s = suite('config refusals');

/** Asserts that `env` is refused with FAKEOUT_ERR_CONFIG_INVALID naming `field`. */
function refused(env: Record<string, string>, field: string): void {
  try {
    loadConfig(env);
  } catch (err) {
    // Anything else (another code, a plain Error) fails the test with the error itself.
    if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
    assert.is(err.info.field, field, `${JSON.stringify(env)}: info.field`);
    assert.ok(err.message.startsWith(`${field}: `), `message names the variable: ${err.message}`);
    return;
  }
  assert.unreachable(`${JSON.stringify(env)} was accepted`);
}

s('each invalid value is refused with FAKEOUT_ERR_CONFIG_INVALID naming the variable', () => {
  const cases: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['PORT', '-1'],
    ['FAKEOUT_TIMEFRAMES', '2m'],
    ['FAKEOUT_GATEWAY_LEASE_TTL', '1'],
    ['FAKEOUT_GATEWAY_LEASE_TTL', '601'],
    ['FAKEOUT_GATEWAY_LEASE_TTL', '2.5'],
    ['FAKEOUT_GATEWAY_ACCOUNT', 'a.b'],
    ['FAKEOUT_GATEWAY_ACCOUNT', 'x'.repeat(65)],
    ['FAKEOUT_NTP_SERVERS', 'pool.ntp.org:0'],
    ['FAKEOUT_NTP_SERVERS', 'pool.ntp.org:123x'],
    ['FAKEOUT_NTP_SERVERS', 'a b'],
    ['FAKEOUT_NTP_SERVERS', ' , '],
    ['FAKEOUT_NTP_SAMPLES', '0'],
    ['FAKEOUT_NTP_SAMPLES', '17'],
    ['FAKEOUT_NTP_TIMEOUT_MS', '9'],
    ['FAKEOUT_NTP_POLL_SECONDS', '15'],
    ['FAKEOUT_CLOCK_WARN_MS', '0'],
    ['FAKEOUT_CLOCK_TRIP_MS', '100'],
    ['FAKEOUT_CLOCK_NO_ANSWER_SECONDS', '0'],
    ['FAKEOUT_BAR_CLOCK_TICK', '-1'],
    ['FAKEOUT_AUDIT_MIRROR_MS', '3600001'],
    ['FAKEOUT_BAR_CLOCK_TICK', '1.5'],
    ['FAKEOUT_INTEGRITY_EVERY', '-1'],
    ['FAKEOUT_INTEGRITY_EVERY', '604801'],
    ['FAKEOUT_BAR_CLOSE_GRACE', '600001'],
    ['FAKEOUT_TIMEFRAMES', '1m,2m'],
    ['FAKEOUT_TIMEFRAMES', ' , '],
    ['FAKEOUT_TRIGGER_SCORE', '101'],
    ['FAKEOUT_TRIGGER_SCORE', '-1'],
    ['FAKEOUT_WICK_THRESHOLD', '0'],
    ['FAKEOUT_WICK_THRESHOLD', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['NATS_URL', 'bogus'],
    ['NATS_URL', 'nats://127.0.0.1:4222,bogus'],
    ['FAKEOUT_STREAM_REPLICAS', '0'],
    ['FAKEOUT_STREAM_REPLICAS', '6'],
    ['FAKEOUT_STREAM_REPLICAS', '2.5'],
    ['FAKEOUT_ROLE', 'x'],
    ['FAKEOUT_BATCH_SIZE', '0'],
    ['FAKEOUT_BATCH_SIZE', '10001'],
    ['FAKEOUT_COMMIT_AHEAD', '-1'],
    ['FAKEOUT_COMMIT_AHEAD', '20001'],
    ['FAKEOUT_COMMIT_INTERVAL_MS', '5001'],
    ['FAKEOUT_COMMIT_INTERVAL_MS', '1.5'],
    ['FAKEOUT_WEBHOOK_BODY_LIMIT', '255'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', '52.89.214.238,not-an-ip'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', '10.0.0.0/33'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', '2001:db8::/129'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', '10.0.0.1,,10.0.0.2'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', '10.0.0.0/8x'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', '999.1.1.1'],
    ['FAKEOUT_WEBHOOK_ALLOW_IPS', 'tradingview.com'],
    ['FAKEOUT_WEBHOOK_RATE', '-1'],
    ['FAKEOUT_WEBHOOK_RATE', '1.5'],
    ['FAKEOUT_TRUST_PROXY', 'yes'],
    ['FAKEOUT_TRUST_PROXY', '101'],
    ['FAKEOUT_TRUST_PROXY', '127.0.0.1,nginx'],
    ['FAKEOUT_TRUST_PROXY', '10.0.0.0/40'],
    ['FAKEOUT_LOOKBACK', '1'],
    ['FAKEOUT_ATR_PERIOD', '0'],
    ['FAKEOUT_VOLUME_THRESHOLD', '0'],
    ['FAKEOUT_TARGET_R', '0'],
    ['FAKEOUT_STOP_BUFFER_ATR', '-0.1'],
    ['FAKEOUT_LOOKBACK', 'Infinity'],
    ['FAKEOUT_GATED_TRADES', '0'],
    ['FAKEOUT_GATED_TRADES', '2.5'],
    ['FAKEOUT_REGATE_TRADES', '0'],
    ['FAKEOUT_REGATE_TRADES', '1001'],
    ['FAKEOUT_BREAKER_SLIPPAGE_RATIO', '0'],
    ['FAKEOUT_BREAKER_SLIPPAGE_RATIO', 'x'],
    ['FAKEOUT_BREAKER_SLIPPAGE_WINDOW', '0'],
    ['FAKEOUT_BREAKER_MAX_LOSSES', '0'],
    ['FAKEOUT_BREAKER_MAX_LOSSES', '1.5'],
    ['FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT', '0'],
    ['FAKEOUT_BREAKER_DAILY_DRAWDOWN_PCT', '100'],
    ['FAKEOUT_BREAKER_ERROR_RATE', '1'],
    ['FAKEOUT_BREAKER_ERROR_RATE', '-0.1'],
    ['FAKEOUT_BREAKER_ERROR_WINDOW', '1001'],
    ['FAKEOUT_BREAKER_COOLDOWN', '-1'],
    ['FAKEOUT_BREAKER_COOLDOWN', '1.5'],
    ['FAKEOUT_BREAKER_COOLDOWN', '604801'],
    ['FAKEOUT_TIME_SKEW_SECONDS', '-1'],
    ['FAKEOUT_TIME_SKEW_SECONDS', '1.5'],
    ['FAKEOUT_WEBHOOK_MAX_AGE_DAYS', '0'],
    ['FAKEOUT_WEBHOOK_SKEW_ACTION', 'accept'],
    ['FAKEOUT_REPLAY_MAX_GAP_DAYS', 'forever'],
    ['FAKEOUT_TIME_FLOOR', '1980'],
    ['FAKEOUT_TIME_FLOOR', '1980-02-30'],
    ['FAKEOUT_TIME_FLOOR', '0'],
    ['FAKEOUT_STARTING_EQUITY', '0'],
    ['FAKEOUT_RISK_PER_TRADE', '0'],
    ['FAKEOUT_RISK_PER_TRADE', '0.5'],
    ['FAKEOUT_MAX_LEVERAGE', '0'],
    ['FAKEOUT_MAX_LEVERAGE', '101'],
    ['FAKEOUT_TIME_STOP_BARS', '0'],
    ['FAKEOUT_SIGNAL_MAX_AGE', '0'],
    ['FAKEOUT_APPROVAL_TTL', '604801'],
    ['FAKEOUT_CLOCK_TICK', '0'],
    ['FAKEOUT_SPREAD_BPS_FX', '-1'],
    ['FAKEOUT_FEE_BPS_CRYPTO', '-0.1'],
    ['FAKEOUT_IMPACT_K', '0'],
    ['FAKEOUT_LOW_LIQ_MULTIPLIER', '0.5'],
    ['FAKEOUT_LOW_LIQ_PERCENTILE', '100'],
    ['FAKEOUT_NOISE_BPS', '-0.5'],
    ['FAKEOUT_AUTH_MAX_FAILURES', '0'],
    ['FAKEOUT_AUTH_MAX_FAILURES', '2.5'],
    ['FAKEOUT_AUTH_LOCK_SECONDS', '0'],
    ['FAKEOUT_AUTH_LOCK_SECONDS', '86401'],
    ['FAKEOUT_DESK_DAYS', 'Mon-Funday'],
    ['FAKEOUT_DESK_HOURS', '18:00-08:00'],
    ['FAKEOUT_DESK_HOURS', '8-18'],
    ['FAKEOUT_DESK_TZ', 'Mars/Olympus'],
    ['FAKEOUT_CONFIG_PROPOSAL_TTL_HOURS', '0'],
  ];
  for (const [name, value] of cases) refused({ [name]: value }, name);
});

s('a malformed FAKEOUT_WEBHOOK_ALLOW_IPS entry is refused naming the variable and the entry', () => {
  try {
    loadConfig({ FAKEOUT_WEBHOOK_ALLOW_IPS: '52.89.214.238, 34.212.75.300 ,54.218.53.128' });
    assert.unreachable('accepted');
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
    assert.is(err.info.field, 'FAKEOUT_WEBHOOK_ALLOW_IPS');
    assert.ok(err.message.startsWith('FAKEOUT_WEBHOOK_ALLOW_IPS: '), err.message);
    assert.ok(err.message.includes('"34.212.75.300"'), `names the bad entry: ${err.message}`);
  }
});

s('FAKEOUT_WEBHOOK_ALLOW_IPS keeps the entries trimmed; blank means any address', () => {
  assert.equal(loadConfig({ FAKEOUT_WEBHOOK_ALLOW_IPS: ' 52.89.214.238 , 10.0.0.0/8 ' }).webhookAllowIps, ['52.89.214.238', '10.0.0.0/8']);
  assert.is(loadConfig({ FAKEOUT_WEBHOOK_ALLOW_IPS: '   ' }).webhookAllowIps, undefined);
});

s('FAKEOUT_TRUST_PROXY reads false, true, a hop count and a proxy list', () => {
  assert.is(loadConfig({ FAKEOUT_TRUST_PROXY: 'false' }).trustProxy, false);
  assert.is(loadConfig({ FAKEOUT_TRUST_PROXY: 'TRUE' }).trustProxy, true);
  assert.is(loadConfig({ FAKEOUT_TRUST_PROXY: '2' }).trustProxy, 2);
  assert.equal(loadConfig({ FAKEOUT_TRUST_PROXY: '127.0.0.1, ::1' }).trustProxy, ['127.0.0.1', '::1']);
});

s('a refusal is a 500 (the process cannot start), and the first bad variable is the one named', () => {
  try {
    loadConfig({ FAKEOUT_ROLE: 'x', PORT: 'abc' });
    assert.unreachable('accepted');
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
    assert.is(err.status, 500);
    assert.is(err.info.field, 'FAKEOUT_ROLE');
  }
});

s.run();
