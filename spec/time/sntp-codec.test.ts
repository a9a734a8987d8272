import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { buildRequest, judgeReply, msToNtp, ntpToMs, offsetAndDelay, parsePacket, readNtp } from '../../adapters/time/sntp.ts';

const s = suite('sntp-codec');

// Hand-derived constants: 1970-01-01 is 2208988800 s = 0x83AA7E80 after 1900-01-01 (70 years,
// 17 leap days: 25567 days × 86400); 2000-01-01 is 946684800 s later: 3155673600 = 0xBC17C200.
s('encodes the Unix epoch and 2000-01-01 as the known NTP seconds, half a second as fraction 0x80000000', () => {
  assert.equal(msToNtp(0), { seconds: 0x83aa7e80, fraction: 0 });
  assert.equal(msToNtp(Date.UTC(2000, 0, 1)), { seconds: 0xbc17c200, fraction: 0 });
  assert.equal(msToNtp(1500), { seconds: 0x83aa7e81, fraction: 0x80000000 });
  assert.equal(msToNtp(250), { seconds: 0x83aa7e80, fraction: 0x40000000 });
});

s('decodes NTP timestamps back to epoch ms (quarter second, and a round trip within 1 µs)', () => {
  assert.is(ntpToMs({ seconds: 0xbc17c200, fraction: 0x40000000 }), Date.UTC(2000, 0, 1) + 250);
  const ms = Date.UTC(2026, 11, 6, 4, 40) + 123.456;
  assert.ok(Math.abs(ntpToMs(msToNtp(ms)) - ms) < 0.001);
});

s('builds a 48-byte client request: first byte 0x23 (LI 0, VN 4, mode 3), T1 in the transmit field, the rest zero', () => {
  const req = buildRequest(Date.UTC(2000, 0, 1) + 500);
  assert.is(req.length, 48);
  assert.is(req[0], 0x23);
  assert.is(req.subarray(40, 48).toString('hex'), 'bc17c20080000000');
  assert.ok(req.subarray(1, 40).every((b) => b === 0));
});

/** A hand-built server reply: 0x24 = LI 0, VN 4, mode 4. */
function reply(over: { b0?: number; stratum?: number; ref?: string; origin?: string; receive?: string; transmit?: string } = {}): Buffer {
  return Buffer.from(
    [
      (over.b0 ?? 0x24).toString(16).padStart(2, '0'), (over.stratum ?? 2).toString(16).padStart(2, '0'), '06', 'ec',
      '00000800', '00001000', // root delay 1/32 s, root dispersion 1/16 s
      Buffer.from(over.ref ?? 'GPS\0', 'latin1').toString('hex'),
      'bc17c1ff00000000', // reference
      over.origin ?? 'bc17c20080000000', // origin = our T1 (2000-01-01T00:00:00.500)
      over.receive ?? 'bc17c20100000000', // receive T2 = 00:00:01.000
      over.transmit ?? 'bc17c20100418937', // transmit T3 ≈ 00:00:01.001
    ].join(''),
    'hex',
  );
}

const T0 = Date.UTC(2000, 0, 1);
const sent = { seconds: 0xbc17c200, fraction: 0x80000000 };

s('parses every header field of a hand-built reply', () => {
  const p = parsePacket(reply());
  assert.equal([p.leap, p.version, p.mode, p.stratum, p.poll, p.precision], [0, 4, 4, 2, 6, -20]);
  assert.is(p.rootDelay, 1 / 32);
  assert.is(p.rootDispersion, 1 / 16);
  assert.is(p.referenceId.toString('latin1'), 'GPS\0');
  assert.equal(p.origin, sent);
  assert.equal(p.receive, { seconds: 0xbc17c201, fraction: 0 });
});

s('computes offset and delay from four timestamps (RFC 4330 §5), hand-derived', () => {
  // server 250 ms ahead, 10 ms each way, 1 ms in the server: θ = (260 + 240)/2, δ = 21 − 1
  assert.equal(offsetAndDelay(1000, 1260, 1261, 1021), { offsetMs: 250, delayMs: 20 });
  assert.equal(offsetAndDelay(1000, 740, 741, 1021), { offsetMs: -270, delayMs: 20 });
});

s('turns a good reply into a sample: T1 .500, T2 1.000, T3 ≈1.001, T4 .520 → θ ≈ 490.5 ms, δ ≈ 19 ms', () => {
  const x = judgeReply('srv', reply(), sent, T0 + 500, T0 + 520);
  // 0x00418937 / 2^32 s = 1.0000000 ms (0x418937 = 4294967 ≈ 2^32/1000)
  assert.ok(Math.abs(x.offsetMs - ((1000 - 500) + (1001 - 520)) / 2) < 0.001, String(x.offsetMs));
  assert.ok(Math.abs(x.delayMs - ((520 - 500) - (1001 - 1000))) < 0.001, String(x.delayMs));
  assert.is(x.stratum, 2);
});

function refusal(buf: Buffer, t4 = T0 + 520): { check: unknown; message: string; kiss?: unknown } {
  try {
    judgeReply('srv', buf, sent, T0 + 500, t4);
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_TIME_NTP_REFUSED'), String(err));
    return { check: err.info.check, message: err.message, kiss: err.info.kiss };
  }
  throw new Error('expected a refusal');
}

s('refuses a kiss-o\'-death (stratum 0) and reports its kiss code', () => {
  const r = refusal(reply({ stratum: 0, ref: 'RATE' }));
  assert.is(r.check, 'kiss');
  assert.is(r.kiss, 'RATE');
  assert.match(r.message, /kiss-o'-death, code RATE/);
});

s('refuses stratum 16 and above, accepts 15', () => {
  assert.is(refusal(reply({ stratum: 16 })).check, 'stratum');
  assert.is(judgeReply('srv', reply({ stratum: 15 }), sent, T0 + 500, T0 + 520).stratum, 15);
});

s('refuses leap indicator 3 (unsynchronised) and accepts leap 1 (a leap second announced)', () => {
  assert.is(refusal(reply({ b0: 0xe4 })).check, 'leap');
  assert.is(judgeReply('srv', reply({ b0: 0x64 }), sent, T0 + 500, T0 + 520).stratum, 2);
});

s('refuses a reply whose mode is not 4 (server): mode 3 and mode 5 (broadcast)', () => {
  assert.is(refusal(reply({ b0: 0x23 })).check, 'mode');
  assert.is(refusal(reply({ b0: 0x25 })).check, 'mode');
});

s('refuses a reply whose origin timestamp is not our transmit timestamp, even by one fraction unit', () => {
  assert.is(refusal(reply({ origin: 'bc17c20080000001' })).check, 'origin');
});

s('refuses a zero transmit timestamp, a negative delay and a short packet', () => {
  assert.is(refusal(reply({ transmit: '0000000000000000' })).check, 'transmit');
  // the server held the request 1 ms (T3 − T2) but the reply came back 0.5 ms after T1: δ = 0.5 − 1 < 0
  assert.is(refusal(reply(), T0 + 500.5).check, 'delay');
  assert.is(refusal(reply().subarray(0, 47)).check, 'length');
});

s('readNtp reads what buildRequest wrote', () => {
  assert.equal(readNtp(buildRequest(1500), 40), { seconds: 0x83aa7e81, fraction: 0x80000000 });
});

s.run();
