import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planBatch } from '../../actors/stage/batch-plan.ts';

const s = suite('stage batch plan');
const m = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
const seqs = (xs: { seq: number }[]) => xs.map((x) => x.seq);

s('applies the contiguous run after the checkpoint, in order', () => {
  const p = planBatch(m(12, 11, 13), 10);
  assert.equal(seqs(p.apply), [11, 12, 13]);
  assert.equal(p.skip, []);
  assert.equal(p.defer, []);
});

s('skips redeliveries at or below the checkpoint and duplicates within the batch', () => {
  const p = planBatch(m(9, 10, 11, 11), 10);
  assert.equal(seqs(p.skip), [9, 10, 11]);
  assert.equal(seqs(p.apply), [11]);
});

s('defers everything after a gap so an older message is never overtaken', () => {
  const p = planBatch(m(11, 12, 14, 15), 10);
  assert.equal(seqs(p.apply), [11, 12]);
  assert.equal(seqs(p.defer), [14, 15]);
});

s('never jumps a gap, however often it is asked: the missing message comes back after ack_wait', () => {
  for (let round = 0; round < 100; round++) {
    const p = planBatch(m(15, 16), 10);
    assert.equal(p.apply, []);
    assert.equal(seqs(p.defer), [15, 16]);
  }
});

s.run();
