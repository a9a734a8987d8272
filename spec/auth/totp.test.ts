/**
 * TOTP (actors/auth/totp.ts): RFC 6238 Appendix B vectors, the ±1 step window, single use.
 * Codes for the window cases come from a separate 15-line HOTP (RFC 4226 §5.3) in
 * reference-totp.ts, not from the module under test.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { totpCodeAt, totpSecretFromBytes, totpStep, totpUri, verifyTotp } from '../../actors/auth/totp.ts';
import { referenceCode } from './reference-totp.ts';

const s = suite('totp');

/** RFC 6238 Appendix B seed for SHA-1: the ASCII bytes "12345678901234567890". */
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');
/** RFC 4648 base32 of that seed: "1234567890" encodes to GEZDGNBVGY3TQOJQ, twice. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

s('the RFC seed becomes the base32 secret authenticator apps expect', () => {
  assert.is(totpSecretFromBytes(RFC_SEED), RFC_SECRET);
});

s('a secret needs at least 20 random bytes', () => {
  assert.throws(() => totpSecretFromBytes(new Uint8Array(19)), /at least 20/);
  assert.is(totpSecretFromBytes(new Uint8Array(20)).length, 32);
});

s('RFC 6238 Appendix B SHA-1 vectors, truncated to 6 digits (the last 6 of the 8-digit codes)', () => {
  // time (s) → 8-digit code from the RFC table → its last six digits
  const vectors: [number, string][] = [
    [59, '287082'], // 94287082
    [1111111109, '081804'], // 07081804
    [1111111111, '050471'], // 14050471
    [1234567890, '005924'], // 89005924
    [2000000000, '279037'], // 69279037
    [20000000000, '353130'], // 65353130
  ];
  for (const [seconds, code] of vectors) {
    const now = seconds * 1000;
    assert.is(totpCodeAt(RFC_SECRET, now), code, `code at ${seconds}`);
    assert.is(referenceCode(RFC_SEED, totpStep(now)), code, `reference at ${seconds}`);
    assert.equal(verifyTotp({ secret: RFC_SECRET, code, now }), { ok: true, step: Math.floor(seconds / 30) }, `verify at ${seconds}`);
  }
});

s('the enrolment URI names issuer fakeout and the user, with the RFC parameters', () => {
  const uri = new URL(totpUri('alice', RFC_SECRET));
  assert.is(uri.protocol, 'otpauth:');
  assert.is(uri.host, 'totp');
  assert.is(decodeURIComponent(uri.pathname), '/fakeout:alice');
  assert.is(uri.searchParams.get('issuer'), 'fakeout');
  assert.is(uri.searchParams.get('secret'), RFC_SECRET);
  assert.is(uri.searchParams.get('algorithm'), 'SHA1');
  assert.is(uri.searchParams.get('digits'), '6');
  assert.is(uri.searchParams.get('period'), '30');
});

// A code shown in the middle of step 56 666 666 (1 699 999 995 s): 15 s from either edge.
const SHOWN_AT = 1_699_999_995_000;
const STEP = 56_666_666;
const CODE = referenceCode(RFC_SEED, STEP);

s('a code is accepted from 30 s before to 30 s after the step it was shown in', () => {
  assert.is(totpStep(SHOWN_AT), STEP);
  for (const dt of [-30_000, 0, 30_000]) {
    assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: SHOWN_AT + dt }), { ok: true, step: STEP }, `now ${dt / 1000} s`);
  }
});

s('a code is refused as wrong 60 s before or after', () => {
  for (const dt of [-60_000, 60_000]) {
    assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: SHOWN_AT + dt }), { ok: false, reason: 'wrong' }, `now ${dt / 1000} s`);
  }
});

s('the window ends exactly at step boundaries', () => {
  const stepStart = STEP * 30_000;
  const ok = { ok: true, step: STEP };
  const wrong = { ok: false, reason: 'wrong' };
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: stepStart - 30_000 }), ok);
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: stepStart - 30_001 }), wrong);
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: stepStart + 60_000 - 1 }), ok);
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: stepStart + 60_000 }), wrong);
});

s('a code whose step is at or before the last used step is refused as reused, even inside its window', () => {
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: SHOWN_AT, lastUsedStep: STEP }), { ok: false, reason: 'reused' });
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: SHOWN_AT, lastUsedStep: STEP + 1 }), { ok: false, reason: 'reused' });
  // the previous step's code, still inside the window, after the current one was used
  const previous = referenceCode(RFC_SEED, STEP - 1);
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: previous, now: SHOWN_AT, lastUsedStep: STEP }), { ok: false, reason: 'reused' });
  // the next step's code is fresh
  const next = referenceCode(RFC_SEED, STEP + 1);
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: next, now: SHOWN_AT, lastUsedStep: STEP }), { ok: true, step: STEP + 1 });
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: CODE, now: SHOWN_AT, lastUsedStep: STEP - 1 }), { ok: true, step: STEP });
});

s('a code from another secret is wrong', () => {
  const other = Buffer.from('abcdefghijabcdefghij', 'ascii');
  const theirs = referenceCode(other, STEP);
  assert.is.not(theirs, CODE);
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: theirs, now: SHOWN_AT }), { ok: false, reason: 'wrong' });
});

s('anything but exactly six digits is malformed', () => {
  for (const code of ['', '12345', '1234567', '12a456', '12 456', '１２３４５６', '-12345', '+12345', '1e5000']) {
    assert.equal(verifyTotp({ secret: RFC_SECRET, code, now: SHOWN_AT }), { ok: false, reason: 'malformed' }, JSON.stringify(code));
  }
  // surrounding whitespace from a paste is forgiven
  assert.equal(verifyTotp({ secret: RFC_SECRET, code: ` ${CODE}\n`, now: SHOWN_AT }), { ok: true, step: STEP });
});

s.run();
