import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reconcilePage, type AuditedRow, type RawMessage } from '../../actors/integrity/reconcile.ts';

const s = suite('integrity reconcile (pure)');

// Independent derivation: the envelopes below have keys written already sorted and no spaces,
// so their canonical JSON is exactly this text; hashes are sha256 of it with node:crypto.
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const ZERO = '0'.repeat(64);
const text = (id: string, price: number) => `{"event":{"kind":"trade","price":${price},"symbol":"BTC","ts":${price}},"id":"${id}","receivedAt":1,"source":"ftx"}`;

function chain(items: Array<{ seq: number; id: string; price: number }>): { rows: AuditedRow[]; msgs: RawMessage[] } {
  let prev = ZERO;
  const rows: AuditedRow[] = [];
  const msgs: RawMessage[] = [];
  for (const it of items) {
    const t = text(it.id, it.price);
    const content = sha(t);
    const row = sha(prev + content);
    rows.push({ seq: it.seq, id: it.id, content_sha256: content, prev_sha256: prev, row_sha256: row, envelope: JSON.parse(t) });
    msgs.push({ seq: it.seq, msgId: it.id, body: t });
    prev = row;
  }
  return { rows, msgs };
}

const three = () => chain([{ seq: 1, id: 'a', price: 10 }, { seq: 2, id: 'b', price: 11 }, { seq: 3, id: 'c', price: 12 }]);

s('an intact page reports nothing and hands on the last row hash', () => {
  const { rows, msgs } = three();
  const r = reconcilePage({ prevSha: ZERO, rows, messages: msgs, storedSeqOfId: new Map() });
  assert.equal(r.problems, []);
  assert.is(r.lastSha, rows[2]!.row_sha256);
  assert.is(r.rowsChecked, 3);
});

s('a tampered envelope is a chain break named by seq and id (once, not every row after)', () => {
  const { rows, msgs } = three();
  rows[1] = { ...rows[1]!, envelope: JSON.parse(text('b', 99)) };
  const r = reconcilePage({ prevSha: ZERO, rows, messages: msgs, storedSeqOfId: new Map() });
  assert.equal(r.problems.map((p) => [p.kind, p.seq, p.id]), [['chain', 2, 'b']]);
});

s('a wrong starting tail breaks the first row', () => {
  const { rows, msgs } = three();
  const r = reconcilePage({ prevSha: 'f'.repeat(64), rows, messages: msgs, storedSeqOfId: new Map() });
  assert.equal(r.problems.map((p) => [p.kind, p.seq]), [['chain', 1]]);
});

s('a RAW message with no row is missing; a row RAW does not hold is extra', () => {
  const { rows, msgs } = three();
  const r = reconcilePage({ prevSha: ZERO, rows: rows.slice(0, 2), messages: msgs, storedSeqOfId: new Map() });
  assert.equal(r.problems.map((p) => [p.kind, p.seq, p.id]), [['missing', 3, 'c']]);
  const r2 = reconcilePage({ prevSha: ZERO, rows, messages: msgs.slice(0, 2), storedSeqOfId: new Map() });
  assert.equal(r2.problems.map((p) => [p.kind, p.seq, p.id]), [['extra', 3, 'c']]);
});

s('a re-published duplicate (its id stored at an earlier seq) is no alarm; at a later seq it is', () => {
  const { rows, msgs } = three();
  const dup: RawMessage = { seq: 4, msgId: 'a', body: text('a', 10) };
  const ok = reconcilePage({ prevSha: ZERO, rows, messages: [...msgs, dup], storedSeqOfId: new Map([['a', 1]]) });
  assert.equal(ok.problems, []);
  assert.is(ok.duplicates, 1);
  const bad = reconcilePage({ prevSha: ZERO, rows, messages: [...msgs, { ...dup, seq: 0 }], storedSeqOfId: new Map([['a', 1]]) });
  assert.equal(bad.problems.map((p) => [p.kind, p.seq]), [['missing', 0]]);
});

s('another Nats-Msg-Id or another body at the same seq is altered', () => {
  const { rows, msgs } = three();
  msgs[0] = { ...msgs[0]!, msgId: 'zz' };
  msgs[2] = { ...msgs[2]!, body: text('c', 13) };
  const r = reconcilePage({ prevSha: ZERO, rows, messages: msgs, storedSeqOfId: new Map() });
  assert.equal(r.problems.map((p) => [p.kind, p.seq, p.id]), [['altered', 1, 'a'], ['altered', 3, 'c']]);
});

s('a body in another key order is the same content (canonical JSON)', () => {
  const { rows, msgs } = three();
  msgs[0] = { ...msgs[0]!, body: JSON.stringify({ source: 'ftx', receivedAt: 1, id: 'a', event: { ts: 10, symbol: 'BTC', price: 10, kind: 'trade' } }) };
  assert.equal(reconcilePage({ prevSha: ZERO, rows, messages: msgs, storedSeqOfId: new Map() }).problems, []);
});

s('a row whose id column contradicts its envelope is a chain problem', () => {
  const { rows, msgs } = three();
  rows[0] = { ...rows[0]!, id: 'x' };
  msgs[0] = { ...msgs[0]!, msgId: 'x' };
  const r = reconcilePage({ prevSha: ZERO, rows, messages: msgs, storedSeqOfId: new Map() });
  assert.equal(r.problems.map((p) => [p.kind, p.seq]), [['chain', 1]]);
});

s.run();
