/**
 * The backtest is the live system: the same 1,200 FTX minutes (13 trades, a breaker trip and reset, skips for a working order and an open position) through the in-process engine (the
 * stage definitions without the bus) and through the real actor pipeline over JetStream into a
 * fresh embedded database give identical bars, signals, orders, fills, closed trades and gateway
 * decisions, compared field by field after one canonical ordering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runInProcess } from '../../actors/research/backtest-inprocess.ts';
import { runOnNats } from '../../actors/research/backtest-nats.ts';
import { canonical } from '../../actors/research/backtest-records.ts';
import { backtestConfig } from '../../actors/research/params.ts';
import { writeFtxSlice } from '../helpers/app.ts';

const s = suite('backtest parity');

s('the in-process engine and the NATS pipeline decide the same on the same data: bars, signals, orders, fills, trades, decisions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-parity-'));
  try {
    const files = [{ path: writeFtxSlice(dir, 1200).path, symbol: 'BTC-PERP' }];
    const env = { ...process.env };
    const local = canonical((await runInProcess({ files, config: backtestConfig(env, {}) })).records);
    const nats = canonical((await runOnNats({ files, env, timeoutMs: 240_000 })).records);
    assert.ok(local.trades.length >= 5, `the slice trades (${local.trades.length})`);
    assert.ok(Object.keys(local.decisions).length >= 5, JSON.stringify(local.decisions));
    for (const k of ['bars', 'signals', 'orders', 'fills', 'trades', 'decisions'] as const) {
      assert.is(JSON.stringify(nats[k]).length > 2, true, `${k} recorded`);
      assert.equal(nats[k], local[k], `${k} differ`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
