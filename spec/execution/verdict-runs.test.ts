/** The paper broker's saved liquidity verdicts as runs (adapters/broker/verdict-runs.ts); expected runs worked out by hand. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeVerdicts, encodeVerdicts, type Verdict } from '../../adapters/broker/verdict-runs.ts';

const s = suite('verdict runs');
const ok: Verdict = { low: false, reasons: [] };
const off: Verdict = { low: true, reasons: ['off_session'] };
const both: Verdict = { low: true, reasons: ['off_session', 'thin_volume'] };
// three bars a minute apart, a gap, then two low bars with different reasons, then one like the last
const LIST: [number, Verdict][] = [[0, ok], [60, ok], [120, ok], [240, ok], [300, off], [360, both], [420, both], [480, both]];

s('runs of one verdict at one spacing; a gap, a new verdict or a new reason list starts a run', () => {
  assert.equal(encodeVerdicts(LIST), [
    [0, 60, 3, 0, ''],
    [240, 0, 1, 0, ''], // 0 + 3 × 60 = 180, not 240: a gap
    [300, 0, 1, 1, 'off_session'],
    [360, 60, 3, 1, 'off_session,thin_volume'],
  ]);
});

s('decoding gives the list back, verdict by verdict', () => {
  assert.equal(decodeVerdicts(encodeVerdicts(LIST)), LIST);
  assert.equal(decodeVerdicts([]), []);
  assert.equal(encodeVerdicts([]), []);
});

s('a minute series with one verdict is one run (the saved state stays small)', () => {
  const list = Array.from({ length: 120 }, (_, i): [number, Verdict] => [1_000 + i * 60_000, ok]);
  assert.equal(encodeVerdicts(list), [[1_000, 60_000, 120, 0, '']]);
});

s.run();
