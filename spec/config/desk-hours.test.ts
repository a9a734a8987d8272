/**
 * Desk hours and governed-value validation (actors/config/): pure functions, expected values by
 * hand (the New York offsets from the 2026 DST dates: EST −5 until 8 March, EDT −4 after).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inDeskHours, parseDeskDays, parseDeskHours } from '../../actors/config/desk-hours.ts';
import { diffParams, GOVERNED_NAMES, validateChanges, type GovernedParams } from '../../actors/config/governed.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';

const s = suite('desk hours and governed values');
const NY = { days: [1, 2, 3, 4, 5], fromMinute: 8 * 60, toMinute: 18 * 60, zone: 'America/New_York' };

s('days: ranges, lists and a range across the week end', () => {
  assert.equal(parseDeskDays('Mon-Fri'), [1, 2, 3, 4, 5]);
  assert.equal(parseDeskDays('Sun-Thu'), [1, 2, 3, 4, 7]);
  assert.equal(parseDeskDays('mon,wed,Fri'), [1, 3, 5]);
  assert.throws(() => parseDeskDays('Mon-Funday'), (e: unknown) => isFakeoutError(e, 'FAKEOUT_ERR_CONFIG_INVALID') && e.info.field === 'FAKEOUT_DESK_DAYS');
});

s('hours: HH:MM-HH:MM within one day; 24:00 closes the day', () => {
  assert.equal(parseDeskHours('08:00-18:00'), { fromMinute: 480, toMinute: 1080 });
  assert.equal(parseDeskHours('00:00-24:00'), { fromMinute: 0, toMinute: 1440 });
  for (const bad of ['18:00-08:00', '8-18', '08:60-09:00', '08:00-08:00']) {
    assert.throws(() => parseDeskHours(bad), (e: unknown) => isFakeoutError(e) && e.info.field === 'FAKEOUT_DESK_HOURS', bad);
  }
});

s('the window is New York wall-clock time on both sides of the DST change', () => {
  // Friday 6 March 2026, EST: 12:59 UTC = 07:59 (out), 13:00 UTC = 08:00 (in)
  assert.is(inDeskHours(Date.UTC(2026, 2, 6, 12, 59), NY), false);
  assert.is(inDeskHours(Date.UTC(2026, 2, 6, 13, 0), NY), true);
  // Monday 9 March 2026, EDT: 12:00 UTC = 08:00 (in), 22:00 UTC = 18:00 (out, end exclusive)
  assert.is(inDeskHours(Date.UTC(2026, 2, 9, 12, 0), NY), true);
  assert.is(inDeskHours(Date.UTC(2026, 2, 9, 21, 59), NY), true);
  assert.is(inDeskHours(Date.UTC(2026, 2, 9, 22, 0), NY), false);
  // Saturday 7 March 2026 at 15:00 UTC = 10:00 EST: not a desk day
  assert.is(inDeskHours(Date.UTC(2026, 2, 7, 15, 0), NY), false);
});

const BASE: GovernedParams = {
  wickThreshold: 0.5, volumeThreshold: 1.5, triggerScore: 70, targetR: 2, stopBufferAtr: 0.1, riskPerTrade: 0.005, maxLeverage: 4,
  gatedTrades: 10, regateTrades: 3, breakerSlippageRatio: 1.5, breakerSlippageWindow: 20, breakerMaxLosses: 5, breakerDailyDrawdownPct: 3,
  breakerErrorRate: 0.2, breakerErrorWindow: 20, breakerCooldownSeconds: 900,
};

s('a proposed value is checked by the start-up rules of its variable, naming the parameter', () => {
  assert.equal(validateChanges(BASE, { triggerScore: '75' }).after, { ...BASE, triggerScore: 75 });
  const cases: [Record<string, unknown>, string][] = [
    [{ triggerScore: 101 }, 'triggerScore'], [{ riskPerTrade: 0.2 }, 'riskPerTrade'], [{ wickThreshold: 0 }, 'wickThreshold'],
    [{ maxLeverage: 'lots' }, 'maxLeverage'], [{ gatedTrades: 0 }, 'gatedTrades'], [{ breakerErrorRate: 1 }, 'breakerErrorRate'], [{ lookback: 10 }, 'lookback'], [{}, 'changes'], [{ triggerScore: 70 }, 'changes'],
  ];
  for (const [changes, field] of cases) {
    assert.throws(() => validateChanges(BASE, changes), (e: unknown) => isFakeoutError(e, 'FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID') && e.info.field === field, JSON.stringify(changes));
  }
});

s('diff names exactly the parameters that changed', () => {
  assert.equal(diffParams(BASE, { ...BASE, targetR: 3, maxLeverage: 2 }), { targetR: [2, 3], maxLeverage: [4, 2] });
  assert.equal(GOVERNED_NAMES.length, 16);
});

s.run();
