/** Passwords (actors/auth/password.ts): scrypt with its parameters stored, checked against node's scrypt directly. */
import { scryptSync } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SCRYPT_DEFAULTS, hashPassword, verifyPassword } from '../../actors/auth/password.ts';

const s = suite('password');

s('the stored text is scrypt$N$r$p$salt$hash and the hash is scrypt of the password', async () => {
  const salt = Buffer.from('0123456789abcdef');
  const stored = await hashPassword('correct horse', salt);
  const [tag, N, r, p, saltB64, hashB64] = stored.split('$');
  assert.equal([tag, Number(N), Number(r), Number(p)], ['scrypt', SCRYPT_DEFAULTS.N, SCRYPT_DEFAULTS.r, SCRYPT_DEFAULTS.p]);
  assert.is(saltB64, salt.toString('base64'));
  const expected = scryptSync('correct horse', salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  assert.is(hashB64, expected.toString('base64'));
});

s('verify accepts the password and refuses any other', async () => {
  const stored = await hashPassword('correct horse');
  assert.ok(await verifyPassword('correct horse', stored));
  assert.not.ok(await verifyPassword('correct horsE', stored));
  assert.not.ok(await verifyPassword('', stored));
});

s('two hashes of one password differ (fresh salt) and both verify', async () => {
  const [a, b] = await Promise.all([hashPassword('pw'), hashPassword('pw')]);
  assert.is.not(a, b);
  assert.ok(await verifyPassword('pw', a));
  assert.ok(await verifyPassword('pw', b));
});

s('a hash stored with other parameters still verifies (parameters are read from it)', async () => {
  const salt = Buffer.from('saltsaltsaltsalt');
  const key = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
  const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
  assert.ok(await verifyPassword('pw', stored));
  assert.not.ok(await verifyPassword('pw2', stored));
});

s('malformed or out-of-bounds stored text never matches', async () => {
  const good = await hashPassword('pw');
  const parts = good.split('$');
  for (const bad of [
    '',
    'pw',
    good.replace('scrypt$', 'bcrypt$'),
    [parts[0], 1000, ...parts.slice(2)].join('$'), // N not a power of two
    [parts[0], 2 ** 21, ...parts.slice(2)].join('$'), // N above the bound
    [...parts.slice(0, 4), '', parts[5]].join('$'), // no salt
  ]) {
    assert.not.ok(await verifyPassword('pw', bad), bad);
  }
});

s.run();
