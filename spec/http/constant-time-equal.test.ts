import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { constantTimeEqual } from '../../adapters/http/index.ts';

const s = suite('constant-time-equal');

s('equal strings match', () => {
  assert.ok(constantTimeEqual('tv-shared-secret', 'tv-shared-secret'));
  assert.ok(constantTimeEqual('', ''));
  assert.ok(constantTimeEqual('clé-ü', 'clé-ü'));
});

s('strings that differ in one character do not match', () => {
  assert.not.ok(constantTimeEqual('tv-shared-secret', 'tv-shared-secreT'));
});

s('strings of different lengths do not match and do not throw', () => {
  // timingSafeEqual alone would throw a RangeError here; hashing first makes both sides 32 bytes.
  assert.not.ok(constantTimeEqual('short', 'a much longer secret value'));
  assert.not.ok(constantTimeEqual('tv-shared-secret', 'tv-shared-secret '));
  assert.not.ok(constantTimeEqual('', 'x'));
});

s('a prefix of the secret does not match', () => {
  assert.not.ok(constantTimeEqual('tv-shared', 'tv-shared-secret'));
});

s.run();
