/**
 * The benchmark's pure parts: server timestamps to ms (kept below the millisecond), and the
 * gateway benchmark's trades, which must do what bench-gateway.ts counts on: the fill bar opens
 * at the signal's entry (realised slippage = modelled) and exits the bracket on the same bar,
 * at the target or at the stop as asked. Checked with Position (the paper broker's rules), with
 * prices and times written out by hand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Position } from '../../actors/execution/position.ts';
import { rfc3339ToMs } from '../../ops/bench/bench-observer.ts';
import { GATEWAY_BENCH_T0, LANES, tradeOf } from '../../ops/bench/gateway-bench-data.ts';
import { bandAroundMedian, gcByKind, metric, trendPerMinute } from '../../ops/bench/bench-soak.ts';

const s = suite('benchmark helpers');

s('a server timestamp keeps its sub-millisecond digits; other shapes are refused', () => {
  // 2026-03-02T14:00:00Z is 1772460000000 ms (date -u -d 2026-03-02T14:00:00Z +%s%3N)
  assert.is(rfc3339ToMs('2026-03-02T14:00:00.123456789Z'), 1_772_460_000_000 + 123.456789);
  assert.is(rfc3339ToMs('2026-03-02T14:00:00.5Z'), 1_772_460_000_500);
  assert.is(rfc3339ToMs('2026-03-02T14:00:00Z'), 1_772_460_000_000);
  assert.is(rfc3339ToMs('2026-03-02T14:00:00.123+01:00'), undefined);
  assert.is(rfc3339ToMs('yesterday'), undefined);
});

s('a benchmark trade: long BTC-PERP at 40,000, stop 39,800, target 40,400; the next bar opens at 40,000', () => {
  const lane = LANES[0]!;
  assert.is(lane.symbol, 'BTC-PERP');
  const t = tradeOf(lane, 0, GATEWAY_BENCH_T0, 'target');
  assert.equal([t.signal.direction, t.signal.entry, t.signal.stop, t.signal.target], ['long', 40_000, 39_800, 40_400]);
  assert.is(t.signal.id, `BTC-PERP:1m:${GATEWAY_BENCH_T0}`);
  assert.is(t.clientOrderId, `BTC-PERP:1m:${GATEWAY_BENCH_T0}:entry`);
  assert.equal([t.fillBar.openTime, t.fillBar.open, t.fillBar.high, t.fillBar.low], [GATEWAY_BENCH_T0 + 60_000, 40_000, 40_440, 39_980]);
  // the signal bar failed below the level and closed back at it
  assert.equal([t.signalBar.low, t.signalBar.close], [39_880, 40_000]);
});

for (const [k, outcome, direction, exit] of [[0, 'target', 'long', 40_400], [1, 'stop', 'short', 40_200], [1, 'target', 'short', 39_600], [0, 'stop', 'long', 39_800]] as const) {
  s(`trade ${k} asked to end at its ${outcome} (${direction}) exits on its fill bar at ${exit}`, () => {
    const t = tradeOf(LANES[0]!, k, GATEWAY_BENCH_T0, outcome);
    assert.is(t.signal.direction, direction);
    const p = Position.open(
      { id: t.signal.id, symbol: t.signal.symbol, timeframe: '1m', direction, decisionPrice: t.signal.entry, stop: t.signal.stop, target: t.signal.target, timeStopBars: 30 },
      { price: t.fillBar.open, qty: 1, fees: 0, time: t.fillBar.openTime },
    );
    const closed = p.onBar(t.fillBar, (x) => ({ price: x.triggerPrice, fees: 0 }))!;
    assert.ok(closed !== null, 'closed on the fill bar');
    assert.equal([closed.reason, closed.exitPrice, closed.gap], [outcome, exit, false]);
  });
}

s('the soak trend is MiB per minute of the least-squares line: a climb shows, a sawtooth stays flat', () => {
  // 100, 110, 120 MiB at 0, 60, 120 s: exactly 10 MiB a minute
  assert.is(trendPerMinute([[0, 100], [60, 110], [120, 120]]), 10);
  // a sawtooth 400, 560, 400, 560, 400 every 60 s: mean x 120, mean y 464;
  // sxy = (-120)(-64) + (-60)(96) + 0 + 60(96) + 120(-64) = 0, so flat
  assert.is(trendPerMinute([[0, 400], [60, 560], [120, 400], [180, 560], [240, 400]]), 0);
  // falling 30 MiB over 30 s: -60 MiB a minute
  assert.is(trendPerMinute([[0, 130], [30, 100]]), -60);
  assert.ok(Number.isNaN(trendPerMinute([[5, 1]])), 'one point has no trend');
  assert.ok(Number.isNaN(trendPerMinute([[5, 1], [5, 2]])), 'two points at one time have none either');
});

s('the soak band is the farthest sample from the median, as a share of it', () => {
  // sorted 90, 100, 110, 130: median is the upper middle, 110; farthest 130 (20 above) → 20/110
  const { median, band } = bandAroundMedian([110, 90, 130, 100]);
  assert.is(median, 110);
  assert.is(band, 20 / 110);
  // below the median farther than above: 50 below 100 → 0.5
  assert.is(bandAroundMedian([50, 100, 101]).band, 0.5);
  assert.ok(Number.isNaN(bandAroundMedian([]).band), 'no samples, no band');
});

s('the soak reads the heap and the GC totals by kind from the app\'s Prometheus text', () => {
  const text = [
    '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
    '# TYPE nodejs_heap_size_used_bytes gauge',
    'nodejs_heap_size_used_bytes 104857600',
    'nodejs_heap_size_used_bytes_x 1',
    'nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 3',
    'nodejs_gc_duration_seconds_sum{kind="minor"} 0.25',
    'nodejs_gc_duration_seconds_count{kind="minor"} 40',
    'nodejs_gc_duration_seconds_sum{kind="major"} 1.5e-1',
    'nodejs_gc_duration_seconds_count{kind="major"} 2',
  ].join('\n');
  assert.is(metric(text, 'nodejs_heap_size_used_bytes'), 100 * 2 ** 20);
  assert.is(metric(text, 'nodejs_heap_size_total_bytes'), undefined);
  assert.equal(gcByKind(text), { minor: { count: 40, seconds: 0.25 }, major: { count: 2, seconds: 0.15 } });
});

s.run();
