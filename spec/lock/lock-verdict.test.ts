/**
 * The pure lock decisions: reading a lock file, reading /proc/<pid>/stat, and telling a live
 * holder from a stale lock. The /proc lines are written by hand with their fields counted
 * (proc(5): field 3 state, field 22 starttime).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeLock, parseLock, parseProcStat, serializeLock, type LockHolder } from '../../adapters/lock/index.ts';

const s = suite('lock verdict');

const HOLDER: LockHolder = { pid: 4242, hostname: 'box', procStart: '987654', token: 'abc123', startedAt: '2024-05-01T12:00:00.000Z', argv: ['cli.ts', 'start'] };

s('a lock file reads back as the holder that wrote it', () => {
  assert.equal(parseLock(serializeLock(HOLDER)), HOLDER);
  const { procStart: _omit, ...noStart } = HOLDER;
  assert.equal(parseLock(serializeLock(noStart)), noStart);
});

s('text that is not a complete lock reads as no holder', () => {
  for (const text of ['', '{', 'null', '"x"', '{"pid":4242,"hostname":"box"}', '{"pid":0,"hostname":"box","token":"t"}', '{"pid":1.5,"hostname":"box","token":"t"}', '{"pid":7,"hostname":"box","token":""}', '{"pid":7,"hostname":"box","token":"t","procStart":12}']) {
    assert.is(parseLock(text), undefined, text);
  }
});

s('/proc/<pid>/stat: state is field 3 and the start time field 22, counted after the last parenthesis', () => {
  // fields:  1    2 (comm, with spaces and parentheses)  3 4 5    6    7 8  9       10   11 12 13 14 15 16 17 18 19 20 21 22     23         24
  const line = '4242 (tsx (watch) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 11 0 987654 1234567890 12345 18446744073709551615\n';
  assert.equal(parseProcStat(line), { state: 'S', startTicks: '987654' });
  assert.equal(parseProcStat('77 (node) Z 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0'), { state: 'Z', startTicks: '5' });
});

s('/proc text that is cut short or not a stat line reads as nothing', () => {
  assert.is(parseProcStat(''), undefined);
  assert.is(parseProcStat('4242 (node) S 1 4242'), undefined);
  assert.is(parseProcStat('no parenthesis here at all 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22'), undefined);
});

const live = { exists: true, stat: { state: 'S', startTicks: '987654' } };

s('a running holder with the start time the lock recorded is live', () => {
  assert.equal(judgeLock({ holder: HOLDER, hostname: 'box', probe: live }).stale, false);
});

s('a holder whose pid is not running is stale', () => {
  assert.equal(judgeLock({ holder: HOLDER, hostname: 'box', probe: { exists: false } }).stale, true);
  assert.equal(judgeLock({ holder: HOLDER, hostname: 'box', probe: undefined }).stale, true);
});

s('a pid that now belongs to a process with another start time is stale (a recycled pid)', () => {
  const v = judgeLock({ holder: HOLDER, hostname: 'box', probe: { exists: true, stat: { state: 'S', startTicks: '999999' } } });
  assert.is(v.stale, true);
  assert.match(v.reason, 'another process');
});

s('a zombie holder is stale: it has exited, only its parent has not reaped it', () => {
  assert.is(judgeLock({ holder: HOLDER, hostname: 'box', probe: { exists: true, stat: { state: 'Z', startTicks: '987654' } } }).stale, true);
});

s('when the start time cannot be compared, a running pid counts as live', () => {
  // no /proc here (not Linux), or the lock came from a system without one
  assert.is(judgeLock({ holder: HOLDER, hostname: 'box', probe: { exists: true } }).stale, false);
  const { procStart: _omit, ...noStart } = HOLDER;
  assert.is(judgeLock({ holder: noStart, hostname: 'box', probe: live }).stale, false);
});

s('a lock written on another host is live whatever runs here under that pid', () => {
  const v = judgeLock({ holder: HOLDER, hostname: 'other-box', probe: { exists: false } });
  assert.is(v.stale, false);
  assert.match(v.reason, 'another host (box)');
});

s('a lock file that is not one fakeout wrote is stale', () => {
  assert.is(judgeLock({ holder: undefined, hostname: 'box', probe: undefined }).stale, true);
});

s.run();
