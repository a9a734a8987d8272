import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planBatch } from '../../actors/stage/batch-plan.ts';

const s = suite('stage batch plan');
const m = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
const seqs = (xs: { seq: number }[]) => xs.map((x) => x.seq);

s('applies the contiguous run after the checkpoint, in order', () => {
  const p = planBatch(m(12, 11, 13), 10, 0, 5);
  assert.equal(seqs(p.apply), [11, 12, 13]);
  assert.equal(p.skip, []);
  assert.equal(p.defer, []);
});

s('skips redeliveries at or below the checkpoint and duplicates within the batch', () => {
  const p = planBatch(m(9, 10, 11, 11), 10, 0, 5);
  assert.equal(seqs(p.skip), [9, 10, 11]);
  assert.equal(seqs(p.apply), [11]);
});

s('defers everything after a gap so an older message is never overtaken', () => {
  const p = planBatch(m(11, 12, 14, 15), 10, 0, 5);
  assert.equal(seqs(p.apply), [11, 12]);
  assert.equal(seqs(p.defer), [14, 15]);
});

s('defers the whole batch when its first message is past the checkpoint gap', () => {
  const p = planBatch(m(15, 16), 10, 2, 5);
  assert.equal(p.apply, []);
  assert.equal(seqs(p.defer), [15, 16]);
  assert.is(p.acceptedGap, undefined);
});

s('accepts a gap that did not fill after enough rounds, and says so', () => {
  const p = planBatch(m(15, 16), 10, 5, 5);
  assert.equal(seqs(p.apply), [15, 16]);
  assert.equal(p.acceptedGap, { from: 11, to: 14 });
});

s.run();
