import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { paramsToEnv } from '../../actors/research/params.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';

const s = suite('backtest parameters');

s('turns governed names and FAKEOUT_ variables into environment overrides', () => {
  assert.equal(paramsToEnv({ triggerScore: 75, FAKEOUT_SPREAD_BPS_CRYPTO: 2 }), { FAKEOUT_TRIGGER_SCORE: '75', FAKEOUT_SPREAD_BPS_CRYPTO: '2' });
});

s('refuses where the backtest runs (NATS_URL, DATABASE_URL, PORT, …), naming the field', () => {
  for (const name of ['NATS_URL', 'DATABASE_URL', 'FAKEOUT_DATA_DIR', 'FAKEOUT_ROLE', 'PORT', 'HOST']) {
    try {
      paramsToEnv({ [name]: 'x' });
      assert.unreachable(`${name} accepted`);
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_BACKTEST_PARAMS'), `${name}: ${String(err)}`);
      assert.is((err as { info: Record<string, unknown> }).info['field'], name);
    }
  }
});

s.run();
