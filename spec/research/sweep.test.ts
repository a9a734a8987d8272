/**
 * The sweep grid and ranking, and the walk-forward windows: pure, expected values written out by hand.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { grid, MAX_SWEEP_POINTS, parseSweep, rank, type SweepPoint } from '../../actors/research/sweep.ts';
import { parseSpan, parseWalkForward, walkForwardWindows } from '../../actors/research/walk-forward.ts';

const refusal = (fn: () => unknown, field: string) => {
  try {
    fn();
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_BACKTEST_PARAMS'), String(err));
    assert.is((err as { info: Record<string, unknown> }).info['field'], field);
    return (err as Error).message;
  }
  assert.unreachable(`expected a refusal naming ${field}`);
  return '';
};

test('a sweep range is inclusive and free of binary drift; a list is taken as written', () => {
  assert.equal(parseSweep('triggerScore=60:90:5'), [{ name: 'triggerScore', values: [60, 65, 70, 75, 80, 85, 90] }]);
  assert.equal(parseSweep('wickThreshold=0.4:0.7:0.1')[0]!.values, [0.4, 0.5, 0.6, 0.7]);
  assert.equal(parseSweep('targetR=1.5|2|3, triggerScore=70:70:1'), [{ name: 'targetR', values: [1.5, 2, 3] }, { name: 'triggerScore', values: [70] }]);
});

test('the grid holds every combination, the first axis varying slowest', () => {
  assert.equal(grid(parseSweep('triggerScore=60:70:10,targetR=1|2')), [
    { triggerScore: 60, targetR: 1 }, { triggerScore: 60, targetR: 2 }, { triggerScore: 70, targetR: 1 }, { triggerScore: 70, targetR: 2 },
  ]);
});

test('a sweep naming an unknown parameter, a bad range or too many points is refused naming the field', () => {
  assert.match(refusal(() => parseSweep('triggrScore=60:90:5'), 'triggrScore'), /not a backtest parameter/);
  assert.match(refusal(() => parseSweep('triggerScore=90:60:5'), 'triggerScore'), /from must not be above to/);
  assert.match(refusal(() => parseSweep('triggerScore=60:90:0'), 'triggerScore'), /step must be positive/);
  assert.match(refusal(() => parseSweep('triggerScore=60:x:5'), 'triggerScore'), /"x" is not a number/);
  assert.match(refusal(() => parseSweep('triggerScore=1:2:3,triggerScore=4|5'), 'triggerScore'), /named twice/);
  assert.match(refusal(() => parseSweep('DATABASE_URL=1|2'), 'DATABASE_URL'), /not a backtest parameter/);
  const big = `triggerScore=0:${MAX_SWEEP_POINTS}:1`;
  assert.match(refusal(() => parseSweep(big), 'triggerScore'), /at most/);
  assert.match(refusal(() => grid(parseSweep('triggerScore=1:50:1,targetR=1:50:1')), 'triggerScore,targetR'), /2500 points/);
});

const point = (id: number, trades: number, netPnl: number | null): SweepPoint => ({
  params: { triggerScore: id },
  // only what the ranking reads matters here
  summary: { trades, netPnl } as never,
  warmupBars: 0, elapsedMs: 0,
});

test('the ranking puts points with enough trades first by the objective, then the thin ones, then failures', () => {
  const pts: SweepPoint[] = [point(1, 3, 900), point(2, 10, 100), { params: { triggerScore: 3 }, error: 'boom' }, point(4, 12, 300), point(5, 10, null), point(6, 11, 100)];
  const order = rank(pts, 'netPnl', 5).map((p) => p.params['triggerScore']);
  // 4 (300) > 6 (100, 11 trades) > 2 (100, 10 trades) > 5 (null) | thin: 1 | failed: 3
  assert.equal(order, [4, 6, 2, 5, 1, 3]);
});

test('walk-forward windows roll by the out-of-sample span and clip the last one to the data', () => {
  const D = 86_400_000;
  assert.equal(walkForwardWindows(0, 10 * D, 4 * D, 3 * D), [
    { inFrom: 0, inTo: 4 * D, outFrom: 4 * D, outTo: 7 * D },
    { inFrom: 3 * D, inTo: 7 * D, outFrom: 7 * D, outTo: 10 * D + 1 },
  ]);
  assert.equal(walkForwardWindows(0, 3 * D, 4 * D, D), []);
});

test('spans read as 10d, 36h, 2w, 90m or ISO 8601; anything else is refused naming --walk-forward', () => {
  assert.is(parseSpan('10d'), 864_000_000);
  assert.is(parseSpan('36h'), 129_600_000);
  assert.is(parseSpan('2w'), 1_209_600_000);
  assert.is(parseSpan('90m'), 5_400_000);
  assert.is(parseSpan('P1DT12H'), 129_600_000);
  assert.equal(parseWalkForward('10d:5d'), { inMs: 864_000_000, outMs: 432_000_000 });
  assert.match(refusal(() => parseWalkForward('10d'), '--walk-forward'), /expected IN:OUT/);
  assert.match(refusal(() => parseSpan('ten days'), '--walk-forward'), /not a span/);
  assert.match(refusal(() => parseSpan('0d'), '--walk-forward'), /not a span/);
});

test.run();
