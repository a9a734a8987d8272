import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tradingSessions } from '../../adapters/time/index.ts';
import { BLOCK_DAYS, SESSION_SPECS } from '../../adapters/time/sessions.ts';

const s = suite('trading-sessions');
const at = (iso: string) => tradingSessions(Date.parse(iso));

// Hand-checked offsets: Tokyo is always UTC+9. London: GMT (UTC+0) until 2024-03-31 01:00Z, BST (UTC+1)
// until 2024-10-27 01:00Z. New York: EST (UTC-5) until 2024-03-10 07:00Z, EDT (UTC-4) until 2024-11-03 06:00Z.

s('before the US change New York opens at 13:00Z (08:00 EST)', () => {
  // Fri 2024-03-08 12:30Z: NY 07:30 EST closed, London 12:30 GMT open, Tokyo 21:30 closed
  assert.equal(at('2024-03-08T12:30:00Z'), { sessions: ['london'], overlaps: [] });
  // 13:30Z: NY 08:30 EST open
  assert.equal(at('2024-03-08T13:30:00Z'), { sessions: ['london', 'new_york'], overlaps: ['london_new_york'] });
});

s('is closed everywhere on Sunday 2024-03-10, the US change day', () => {
  // 12:30Z: Sunday in London and New York, 21:30 Sunday in Tokyo
  assert.equal(at('2024-03-10T12:30:00Z'), { sessions: [], overlaps: [] });
});

s('after the US change and before the EU one New York opens at 12:00Z while London keeps GMT', () => {
  // Mon 2024-03-11 12:30Z: NY 08:30 EDT open, London 12:30 GMT open
  assert.equal(at('2024-03-11T12:30:00Z'), { sessions: ['london', 'new_york'], overlaps: ['london_new_york'] });
  // 16:59Z: London 16:59 still open; 17:00Z: London closed, NY 13:00 EDT open
  assert.equal(at('2024-03-11T16:59:00Z').sessions, ['london', 'new_york']);
  assert.equal(at('2024-03-11T17:00:00Z'), { sessions: ['new_york'], overlaps: [] });
});

s('London opens at 08:00Z before the EU change and at 07:00Z after it', () => {
  // Fri 2024-03-29 07:30Z: London 07:30 GMT closed, Tokyo 16:30 open
  assert.equal(at('2024-03-29T07:30:00Z'), { sessions: ['asia'], overlaps: [] });
  // Tue 2024-04-02 07:00Z: London 08:00 BST opens (start inclusive), Tokyo 16:00 open
  assert.equal(at('2024-04-02T07:00:00Z'), { sessions: ['asia', 'london'], overlaps: ['asia_london'] });
});

s('New York opens at 12:00Z before the 2024-11-03 change and at 13:00Z after it', () => {
  // Fri 2024-11-01 12:30Z: NY 08:30 EDT open, London 12:30 GMT (changed 10-27) open
  assert.equal(at('2024-11-01T12:30:00Z').sessions, ['london', 'new_york']);
  // Mon 2024-11-04 12:30Z: NY 07:30 EST closed
  assert.equal(at('2024-11-04T12:30:00Z'), { sessions: ['london'], overlaps: [] });
  // 13:00Z: NY 08:00 EST opens
  assert.equal(at('2024-11-04T13:00:00Z').sessions, ['london', 'new_york']);
});

s('judges weekdays and hours in each session zone, end exclusive', () => {
  // Mon 2024-03-11 00:00Z = 09:00 Monday Tokyo (open) but 20:00 Sunday New York
  assert.equal(at('2024-03-11T00:00:00Z'), { sessions: ['asia'], overlaps: [] });
  // Sun 2024-03-10 23:30Z = Mon 08:30 Tokyo: not yet open
  assert.equal(at('2024-03-10T23:30:00Z').sessions, []);
  // 2024-03-11 09:00Z = 18:00 Tokyo: closed (end exclusive); London 09:00 open
  assert.equal(at('2024-03-11T09:00:00Z').sessions, ['london']);
  // Fri 2024-03-08 21:30Z = 16:30 EST Friday (open) = Sat 06:30 Tokyo (closed)
  assert.equal(at('2024-03-08T21:30:00Z').sessions, ['new_york']);
});

/** Open sessions from the zones' wall clocks via Intl (not luxon), per the table in adapters/time/sessions.ts. */
const FORMATS = new Map<string, Intl.DateTimeFormat>();
function intlSessions(ms: number): string[] {
  const open = (zone: string, from: number, to: number): boolean => {
    let f = FORMATS.get(zone);
    if (f === undefined) {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      FORMATS.set(zone, f);
    }
    const parts = f.formatToParts(ms);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    if (get('weekday') === 'Sat' || get('weekday') === 'Sun') return false;
    const minute = Number(get('hour')) * 60 + Number(get('minute'));
    return minute >= from * 60 && minute < to * 60;
  };
  const out: string[] = [];
  if (open('Asia/Tokyo', 9, 18)) out.push('asia');
  if (open('Europe/London', 8, 17)) out.push('london');
  if (open('America/New_York', 8, 17)) out.push('new_york');
  return out;
}

s('agrees with Intl at the first and last minute of every UTC hour of 2023 to 2025 (every DST change day included)', () => {
  const HOUR = 3_600_000;
  const from = Date.parse('2023-01-01T00:00:00Z') / HOUR;
  const to = Date.parse('2026-01-01T00:00:00Z') / HOUR;
  let changes = 0;
  let previous = '';
  for (let h = from; h < to; h++) {
    for (const ms of [h * HOUR, h * HOUR + 59 * 60_000 + 59_999]) {
      const expected = intlSessions(ms);
      assert.equal(tradingSessions(ms).sessions, expected, new Date(ms).toISOString());
      const key = expected.join();
      if (key !== previous) changes++;
      previous = key;
    }
  }
  assert.ok(changes > 3 * 52 * 5 * 4, `the sessions changed ${changes} times`);
});

s('the premise of the block offset cache: in every session zone two offset changes are more than BLOCK_DAYS days apart (Intl, each UTC midnight of 1970 to 2060)', () => {
  const DAY = 86_400_000;
  const from = Date.parse('1970-01-01T00:00:00Z') / DAY;
  const to = Date.parse('2060-01-01T00:00:00Z') / DAY;
  for (const { zone } of SESSION_SPECS) {
    const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const offsetAt = (day: number) => f.formatToParts(day * DAY).find((p) => p.type === 'timeZoneName')!.value;
    let previous = offsetAt(from);
    let lastChange = -Infinity;
    let changes = 0;
    for (let day = from + 1; day <= to; day++) {
      const offset = offsetAt(day);
      if (offset === previous) continue;
      assert.ok(day - lastChange > BLOCK_DAYS, `${zone}: offset changes ${day - lastChange} days apart before ${new Date(day * DAY).toISOString()}`);
      lastChange = day;
      previous = offset;
      changes++;
    }
    if (zone !== 'Asia/Tokyo') assert.ok(changes > 150, `${zone}: ${changes} changes`);
  }
});

s.run();
