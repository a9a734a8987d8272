/**
 * `fakeout check lookahead` / `check warmup` as a person or a script runs them: the bin, its
 * exit status, the table on stdout and the finding on stderr. No server is needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO, writeFtxSlice } from '../helpers/app.ts';
import { runFakeout, type Finished, showRun } from '../helpers/process.ts';

const s = suite('fakeout check');
const STRATEGIES = join(REPO, 'spec/research/strategies');
const show = (r: Finished) => showRun(r);

let dir = '';
let file = '';
s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-check-'));
  file = writeFtxSlice(dir, 3000).path;
});
s.after(() => rmSync(dir, { recursive: true, force: true }));

s('check lookahead of the shipped strategy exits 0 and says no bias was found', async () => {
  const r = await runFakeout(['check', 'lookahead', file, '--sample', '10'], {}, 60_000);
  assert.is(r.code, 0, show(r));
  assert.ok(r.stdout.includes('check lookahead of strategy shipped on BTC-PERP-SLICE 1m: 3000 bars'), show(r));
  assert.ok(r.stdout.includes('checked 20 bars (10 with a signal)'), show(r));
  assert.ok(r.stdout.includes('no lookahead bias'), show(r));
});

s('check lookahead of a strategy reading the next bar exits 1 naming the feature, the table first', async () => {
  const r = await runFakeout(['check', 'lookahead', file, '--strategy', join(STRATEGIES, 'biased.ts'), '--sample', '5'], {}, 60_000);
  assert.is(r.code, 1, show(r));
  assert.match(r.stdout, /^nextClose\s+\d+\/10\s+#\d+ /m);
  assert.is(r.stderr, 'fakeout: FAKEOUT_ERR_RESEARCH_LOOKAHEAD_BIAS: lookahead bias found in: nextClose\n', show(r));
});

s('check warmup exits 0 with a recommendation for the shipped strategy, 1 naming the value for one that never settles', async () => {
  const ok = await runFakeout(['check', 'warmup', file], {}, 60_000);
  assert.is(ok.code, 0, show(ok));
  assert.match(ok.stdout, /^recommended warm-up: \d+ bars/m);
  const bad = await runFakeout(['check', 'warmup', file, '--strategy', join(STRATEGIES, 'warmup-sensitive.ts'), '--tolerance', '0.05'], {}, 60_000);
  assert.is(bad.code, 1, show(bad));
  assert.ok(bad.stdout.includes('no warm-up length tried keeps every value within 0.05 %'), show(bad));
  assert.match(bad.stderr, /^fakeout: FAKEOUT_ERR_RESEARCH_NO_WARMUP: .*meanCloseSinceStart/);
});

s('a bad flag value is a usage error (exit 2) naming the flag', async () => {
  const r = await runFakeout(['check', 'lookahead', file, '--sample', '0'], {}, 60_000);
  assert.is(r.code, 2, show(r));
  assert.ok(r.stderr.startsWith('fakeout check lookahead: --sample must be an integer 1..10000, got "0"'), show(r));
  const tf = await runFakeout(['check', 'warmup', file, '--timeframe', '2m'], {}, 60_000);
  assert.is(tf.code, 2, show(tf));
  assert.ok(tf.stderr.startsWith('fakeout check warmup: --timeframe "2m" is not a timeframe'), show(tf));
});

s.run();
