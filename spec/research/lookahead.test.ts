/**
 * The lookahead check: the shipped strategy on real data is clean, a strategy reading the next
 * bar is caught by name, and small hand-built strategies give counts derived by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import type { FakeoutError } from '../../actors/domain/errors.ts';
import { barId, type Bar } from '../../actors/domain/messages.ts';
import { checkLookahead, sameValue, spreadEvenly } from '../../actors/research/lookahead.ts';
import { barsOfFile, flattenValues, loadStrategy, shippedStrategy, type Strategy } from '../../actors/research/strategy.ts';
import { REPO, writeFtxSlice, type FtxRow } from '../helpers/app.ts';

const s = suite('research lookahead');
const config = loadConfig({});
const STRATEGIES = join(REPO, 'spec/research/strategies');
const M = 60_000;
const T0 = 1_640_995_200_000; // 2022-01-01T00:00:00Z

function closes(cs: readonly number[]): Bar[] {
  return cs.map((c, k) => ({ id: barId('T', '1m', T0 + k * M), symbol: 'T', timeframe: '1m', openTime: T0 + k * M, closeTime: T0 + (k + 1) * M, open: c, high: c + 1, low: c - 1, close: c, volume: 1, count: 1 }));
}

let dir = '';
let ftx: Bar[] = [];
let rows: FtxRow[] = [];
s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-lookahead-'));
  const slice = writeFtxSlice(dir, 5000);
  rows = slice.rows;
  ftx = await barsOfFile(slice.path, { config });
});
s.after(() => rmSync(dir, { recursive: true, force: true }));

s('the bars of the first 5000 FTX rows are the 1m bars the replay builds: each 1m row is already a closed 1m bar', () => {
  assert.is(ftx.length, 5000);
  assert.is(ftx[0]!.timeframe, '1m');
  assert.is(ftx[0]!.close, 46377); // line 2 of the file: 2021-12-31 23:01, close 46377.0
  assert.equal(ftx.map((b) => [b.openTime, b.close]), rows.map((r) => [r.ts, r.close]));
});

s('the shipped strategy (live FeatureEngine + scoring) has no look-ahead on real data: 20 signal bars and 20 others checked', () => {
  const report = checkLookahead(shippedStrategy(config), ftx);
  assert.is(report.biased, false, JSON.stringify(report.features));
  assert.is(report.signalsChecked, 20);
  assert.is(report.checked, 40);
  assert.equal(report.features, []);
});

s('a strategy that reads the next close is caught, naming exactly that feature and nothing of the shipped ones', async () => {
  const biased = await loadStrategy(join(STRATEGIES, 'biased.ts'), config);
  const full = biased.run(ftx);
  const report = checkLookahead(biased, ftx);
  assert.is(report.biased, true);
  assert.equal(report.features.map((f) => f.name), ['nextClose']);
  // every checked bar differs except the last bar of the data, checked when it has no signal
  // (spreadEvenly keeps the last), where nextClose is null on both runs
  const lastChecked = full.at(-1)!.signal === null ? 1 : 0;
  const f = report.features[0]!;
  assert.is(f.changed, report.checked - lastChecked);
  assert.is(f.example.full, ftx[f.example.index + 1]!.close);
  assert.is(f.example.cut, null);
  assert.is(f.example.time, ftx[f.example.index]!.openTime);
});

/** (c[i-1] + c[i] + c[i+1]) / 3, null where a neighbour is missing: a centred moving average. */
const centred: Strategy = {
  name: 'centred',
  run: (bars) => bars.map((b, i) => ({
    values: { ma3: i > 0 && i + 1 < bars.length ? (bars[i - 1]!.close + b.close + bars[i + 1]!.close) / 3 : null },
    signal: null,
  })),
};

s('a centred moving average over 10 bars differs on bars 1..8 (8 of 10): bar 0 and bar 9 are null on both runs', () => {
  const bars = closes([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  const report = checkLookahead(centred, bars, { sample: 100, extraBars: 100 });
  assert.is(report.checked, 10);
  assert.is(report.signalsChecked, 0);
  assert.equal(report.features, [{ name: 'ma3', changed: 8, example: { index: 1, time: T0 + M, full: 20, cut: null } }]);
});

s('a signal decided on the next bar is reported under the name signal, its values being clean', () => {
  const peeking: Strategy = {
    name: 'peeking',
    run: (bars) => bars.map((b, i) => ({
      values: { close: b.close },
      signal: bars[i + 1] !== undefined && bars[i + 1]!.close > b.close ? { direction: 'long', score: 90 } : null,
    })),
  };
  // rises at 0→1 and 2→3 only: signals on bars 0 and 2, which the cut runs (ending at them) cannot see
  const report = checkLookahead(peeking, closes([1, 2, 1, 3, 2]), { sample: 10, extraBars: 10 });
  assert.is(report.signalsChecked, 2);
  assert.is(report.checked, 5);
  assert.equal(report.features, [{ name: 'signal', changed: 2, example: { index: 0, time: T0, full: 'long 90', cut: null } }]);
});

s('a trailing average that uses bars up to i only passes with every bar checked', () => {
  const trailing: Strategy = {
    name: 'trailing',
    run: (bars) => bars.map((b, i) => ({ values: { ma2: i > 0 ? (bars[i - 1]!.close + b.close) / 2 : null, tag: b.close > 50 ? 'high' : 'low' }, signal: null })),
  };
  const report = checkLookahead(trailing, closes([10, 60, 30, 80, 20]), { sample: 10, extraBars: 10 });
  assert.equal(report, { biased: false, checked: 5, signalsChecked: 0, features: [] });
});

s('samples are spread evenly with the first and the last kept', () => {
  assert.equal(spreadEvenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), [0, 3, 6, 9]); // round(k·9/3)
  assert.equal(spreadEvenly([5, 7], 4), [5, 7]);
  assert.equal(spreadEvenly([5, 7, 9], 1), [5]);
  assert.equal(spreadEvenly([5, 7, 9], 0), []);
});

s('numbers are the same within a relative 1e-12; strings and null strictly', () => {
  assert.ok(sameValue(1, 1 + 1e-13));
  assert.not.ok(sameValue(1, 1 + 1e-11));
  assert.ok(sameValue(-2e9, -2e9 * (1 + 5e-13)));
  assert.not.ok(sameValue(0, 1e-300));
  assert.not.ok(sameValue(null, 0));
  assert.not.ok(sameValue('short', 'long'));
  assert.not.ok(sameValue(undefined, null));
  assert.ok(sameValue(Number.NaN, Number.NaN));
});

s('features are flattened generically: nested objects become dotted names, so a new field is covered with no change', () => {
  const flat = flattenValues({ atr: 2, regime: { session: 'london', volatility: 'high', trend: null, inner: { x: 1 } }, list: [1, 2], ok: true, gone: undefined });
  assert.equal(flat, { atr: 2, 'regime.session': 'london', 'regime.volatility': 'high', 'regime.trend': null, 'regime.inner.x': 1, ok: 'true' });
});

s('a strategy that does not return one step per bar is refused, naming --strategy', () => {
  const short: Strategy = { name: 'short', run: (bars) => bars.slice(1).map(() => ({ values: {}, signal: null })) };
  try {
    checkLookahead(short, closes([1, 2, 3]));
    assert.unreachable('should refuse');
  } catch (err) {
    assert.is((err as FakeoutError).code, 'FAKEOUT_ERR_RESEARCH_STRATEGY');
    assert.is((err as FakeoutError).info.field, '--strategy');
    assert.match((err as FakeoutError).message, 'strategy short returned 2 steps for 3 bars');
  }
});

s('loadStrategy takes a Strategy or a (config) => Strategy as default export, and refuses anything else naming --strategy', async () => {
  const object = await loadStrategy(join(STRATEGIES, 'warmup-sensitive.ts'), config);
  assert.is(object.name, 'warmup-sensitive-mean');
  const made = await loadStrategy(join(STRATEGIES, 'biased.ts'), config);
  assert.is(made.name, 'biased-next-close');
  const bad = join(dir, 'not-a-strategy.mjs');
  writeFileSync(bad, 'export default 42;\n');
  for (const path of [bad, join(dir, 'missing.ts')]) {
    try {
      await loadStrategy(path, config);
      assert.unreachable(`should refuse ${path}`);
    } catch (err) {
      assert.is((err as FakeoutError).code, 'FAKEOUT_ERR_RESEARCH_STRATEGY', String(err));
      assert.is((err as FakeoutError).info.field, '--strategy');
      assert.ok((err as FakeoutError).message.startsWith(`--strategy ${path}: `), (err as FakeoutError).message);
    }
  }
});

s.run();
