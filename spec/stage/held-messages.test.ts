/**
 * The stage runner's reorder buffer (actors/stage/held-messages.ts), alone: one message per
 * sequence (the newest delivery wins, the older handle untouched), the bound naks the highest
 * sequences, release naks everything. Every handle records what was done to it; the expected
 * sequences are written out by hand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HeldMessages } from '../../actors/stage/held-messages.ts';

const s = suite('reorder buffer (HeldMessages)');

interface Handle {
  seq: number;
  delivery: number;
  naks: (number | undefined)[];
  nak(delayMs?: number): void;
}
let deliveries = 0;
const msg = (seq: number): Handle => {
  const h: Handle = { seq, delivery: ++deliveries, naks: [], nak: (d) => void h.naks.push(d) };
  return h;
};
const seqs = (ms: readonly { seq: number }[]) => ms.map((m) => m.seq);

s('take merges what is held with what was fetched, in seq order, and empties the buffer', () => {
  const h = new HeldMessages<Handle>(10);
  assert.equal(h.keep([msg(7), msg(5), msg(6)]), []);
  assert.is(h.size, 3);
  const batch = h.take([msg(9), msg(4), msg(8)]);
  assert.equal(seqs(batch), [4, 5, 6, 7, 8, 9]);
  assert.is(h.size, 0, 'the batch owns them now');
  assert.equal(seqs(h.take([])), [], 'nothing held twice');
  assert.ok(batch.every((m) => m.naks.length === 0), 'nothing nak\'d');
});

s('a sequence delivered again keeps the newest delivery; the older handle is neither acked nor nak\'d', () => {
  const h = new HeldMessages<Handle>(10);
  const old5 = msg(5);
  const old6 = msg(6);
  h.keep([old5, old6]);
  const new5 = msg(5);
  const batch = h.take([new5, msg(3)]);
  assert.equal(seqs(batch), [3, 5, 6]);
  assert.is(batch[1], new5, 'the redelivered handle');
  assert.is(batch[2], old6, 'the one not redelivered');
  assert.equal(old5.naks, [], 'the old handle untouched');
  // twice in one fetch: the later delivery wins
  const a = msg(11);
  const b = msg(11);
  assert.equal(h.take([a, b]).map((m) => m.delivery), [b.delivery]);
  // and in keep
  const c = msg(12);
  const d = msg(12);
  h.keep([c, d]);
  assert.equal(h.take([]).map((m) => m.delivery), [d.delivery]);
});

s('beyond the bound the highest sequences are nak\'d at once and returned; the lowest stay', () => {
  const h = new HeldMessages<Handle>(4);
  assert.equal(seqs(h.keep([msg(10), msg(11), msg(12)])), []);
  assert.is(h.full, false);
  // 10, 11, 12 held; 13..16 arrive deferred: 7 > 4, so 14, 15, 16 go back (3 = 7 - 4)
  const excess = h.keep([msg(16), msg(13), msg(15), msg(14)]);
  assert.equal(seqs(excess), [14, 15, 16]);
  assert.ok(excess.every((m) => m.naks.length === 1 && !m.naks[0]), 'each nak\'d once, no delay');
  assert.is(h.size, 4);
  assert.is(h.full, true);
  // a lower one still gets in, pushing the highest out
  const more = h.keep([msg(9)]);
  assert.equal(seqs(more), [13]);
  const kept = h.take([]);
  assert.equal(seqs(kept), [9, 10, 11, 12]);
  assert.ok(kept.every((m) => m.naks.length === 0), 'the kept ones never nak\'d');
});

s('release naks everything held once, no delay, and empties the buffer', () => {
  const h = new HeldMessages<Handle>(5);
  const ms = [msg(3), msg(1), msg(2)];
  h.keep(ms);
  assert.is(h.release(), 3);
  assert.equal(ms.map((m) => m.naks), [[undefined], [undefined], [undefined]]);
  assert.is(h.size, 0);
  assert.is(h.release(), 0, 'a second release naks nothing again');
  assert.equal(ms.map((m) => m.naks.length), [1, 1, 1]);
});

s('a bound below 1 is refused', () => {
  assert.throws(() => new HeldMessages(0), /at least 1/);
});

s.run();
