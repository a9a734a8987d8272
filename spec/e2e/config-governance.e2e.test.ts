/**
 * A governed config change reaches a running pipeline at a batch boundary: a whole app (its own
 * nats-server, a fresh Postgres) replays the first part of a real FTX slice under version 1
 * (trigger 70), an admin applies triggerScore=40 through `POST /api/config/proposals` in desk
 * hours, then the rest of the slice arrives on RAW without a restart. Every score, signal and
 * order records the version it used, and under version 2 a signal exists exactly for the
 * scores at or above 40 (derived here from the stored scores, not by the scoring code).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { callFakeout } from '../../actors/app/orders-command.ts';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import { totpCodeAt } from '../../actors/auth/totp.ts';
import { rawSubject, replayEnvelope } from '../../actors/ingest/envelope.ts';
import { systemClock } from '../../adapters/time/clock.ts';
import { startTestApp, writeFtxSlice } from '../helpers/app.ts';

const s = suite('config governance end to end');
const SYMBOL = 'BTC-PERP';
const PASSWORD = 'correct horse battery';

s('a running pipeline scores with the new trigger from the next batch on, and every score, signal and order records its version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-cfg-e2e-'));
  const { rows } = writeFtxSlice(dir, 600);
  const firstPart = rows.slice(0, 300);
  const phase1 = join(dir, 'phase1.csv');
  // the replay reads phase 1 only: a file of its first 300 rows
  writeFtxSlice(dir, 300, 'phase1.csv');
  const t = await startTestApp({
    replay: [{ path: phase1, symbol: SYMBOL }],
    env: {
      FAKEOUT_TIMEFRAMES: '1m', FAKEOUT_SIGNAL_MAX_AGE: '86400', FAKEOUT_APPROVAL_TTL: '86400',
      FAKEOUT_DESK_DAYS: 'Mon-Sun', FAKEOUT_DESK_HOURS: '00:00-24:00', FAKEOUT_DESK_TZ: 'UTC',
    },
  });
  try {
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    const db = t.app.database.db;
    const v1 = await db.selectFrom('scores').select(['config_version']).execute();
    assert.ok(v1.length >= 250, `phase 1 scored (${v1.length})`);
    assert.ok(v1.every((r) => r.config_version === 1), 'phase 1: every score under version 1');
    const s1 = await db.selectFrom('signals').select(['score', 'config_version']).execute();
    assert.ok(s1.every((r) => r.config_version === 1 && r.score >= 70), 'phase 1: signals at trigger 70, version 1');

    // an admin applies triggerScore=40 alone (desk hours are always open here)
    const auth = createAuthService({ db, clock: systemClock, lockout: lockoutPolicy(5, 900), secretsDir: dir, operator: 'test' });
    await auth.addUser('ada', 'admin', PASSWORD);
    const { secret } = await auth.enrollTotp('ada');
    const r = (await callFakeout(t.app.httpUrl()!, '/api/config/proposals', {
      method: 'POST', body: { user: 'ada', password: PASSWORD, changes: { triggerScore: 40 }, reason: 'more signals', code: totpCodeAt(secret, Date.now()) },
    })) as { state: string; appliedVersion: number };
    assert.is(r.state, 'applied');
    assert.is(r.appliedVersion, 2);

    // phase 2: the rest of the slice on RAW, to the running pipeline (no restart)
    const bus = t.app.messaging.bus('ingest');
    const envelopes = rows.slice(300).map((row) => replayEnvelope('phase2phase2phase2', 'phase2.csv', row.line, {
      kind: 'bar', symbol: SYMBOL, timeframe: '1m', ts: row.ts, open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume,
    }, { receivedAt: row.ts, correctedAt: row.ts, offsetMs: 0 }));
    await bus.publishMany(envelopes.map((e) => ({ subject: rawSubject(e), id: e.id, value: e })));
    await t.app.waitForIdle({ timeoutMs: 120_000 });

    const boundary = firstPart[firstPart.length - 1]!.ts;
    const scores = await db.selectFrom('scores').select(['id', 'open_time', 'score', 'direction', 'config_version']).execute();
    const v2 = scores.filter((x) => x.config_version === 2);
    assert.ok(v2.length >= 250, `phase 2 scored under version 2 (${v2.length})`);
    assert.ok(scores.every((x) => x.config_version === 1 || x.config_version === 2), 'no score without a version');
    assert.ok(v2.every((x) => Number(x.open_time) >= boundary), 'nothing of phase 1 was rescored');
    const signals = await db.selectFrom('signals').select(['id', 'score', 'config_version']).execute();
    const sig2 = new Map(signals.filter((x) => x.config_version === 2).map((x) => [x.id, x]));
    const expected = v2.filter((x) => x.direction !== null && x.score >= 40).map((x) => x.id).sort();
    assert.equal([...sig2.keys()].sort(), expected, 'under version 2: a signal exactly for the scores at or above 40');
    assert.ok([...sig2.values()].some((x) => x.score < 70), 'at least one signal that trigger 70 would not have given');

    const orders = await db.selectFrom('orders').select(['client_order_id', 'signal_id', 'config_version']).execute();
    assert.ok(orders.length >= 1, 'the gateway decided at least one order');
    for (const o of orders) {
      const sig = signals.find((x) => x.id === o.signal_id);
      assert.ok(o.config_version === 1 || o.config_version === 2, `${o.client_order_id}: a version`);
      if (sig?.config_version === 2) assert.is(o.config_version, 2, `${o.client_order_id}: sized under version 2`);
    }
    const versions = await db.selectFrom('config_versions').select(['version', 'applied_by']).orderBy('version').execute();
    assert.equal(versions.map((v) => [v.version, v.applied_by]), [[1, 'environment'], [2, 'ada']]);
  } finally {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
