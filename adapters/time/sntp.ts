/**
 * SNTP client (RFC 4330) over UDP: one request = one 48-byte client packet (LI 0, VN 4, mode 3)
 * whose transmit timestamp is our T1; the reply is checked against the RFC's sanity rules and
 * turned into clock offset θ and round-trip delay δ (docs/time.md). The codec and the arithmetic
 * are pure functions; {@link querySntp} and {@link measureOffset} do the I/O.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { FakeoutError } from '../../actors/domain/errors.ts';

/** Seconds from the NTP era 0 epoch (1900-01-01) to the Unix epoch (1970-01-01). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 4_294_967_296;
export const NTP_PACKET_BYTES = 48;

/** An NTP 64-bit timestamp: whole seconds since 1900 and a 32-bit binary fraction. */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

/** Epoch ms (may carry sub-ms fractions) -> NTP timestamp (era 0, i.e. until 2036-02-07). */
export function msToNtp(ms: number): NtpTimestamp {
  const totalS = ms / 1000 + NTP_UNIX_OFFSET_S;
  let seconds = Math.floor(totalS);
  let fraction = Math.round((totalS - seconds) * TWO_32);
  if (fraction >= TWO_32) { seconds += 1; fraction -= TWO_32; }
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** NTP timestamp -> epoch ms (fractional). The all-zero timestamp maps to 1900, callers check it. */
export function ntpToMs(t: NtpTimestamp): number {
  return (t.seconds - NTP_UNIX_OFFSET_S) * 1000 + (t.fraction / TWO_32) * 1000;
}

export function writeNtp(buf: Buffer, at: number, t: NtpTimestamp): void {
  buf.writeUInt32BE(t.seconds >>> 0, at);
  buf.writeUInt32BE(t.fraction >>> 0, at + 4);
}

export function readNtp(buf: Buffer, at: number): NtpTimestamp {
  return { seconds: buf.readUInt32BE(at), fraction: buf.readUInt32BE(at + 4) };
}

/** The client request: LI 0, VN 4, mode 3, everything zero but the transmit timestamp (T1). */
export function buildRequest(t1Ms: number): Buffer {
  const buf = Buffer.alloc(NTP_PACKET_BYTES);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  writeNtp(buf, 40, msToNtp(t1Ms));
  return buf;
}

export interface NtpPacket {
  leap: number;
  version: number;
  mode: number;
  stratum: number;
  poll: number;
  precision: number;
  rootDelay: number;
  rootDispersion: number;
  /** the reference identifier as 4 bytes; for stratum 0 it is the ASCII kiss code */
  referenceId: Buffer;
  reference: NtpTimestamp;
  origin: NtpTimestamp;
  receive: NtpTimestamp;
  transmit: NtpTimestamp;
}

function refused(check: string, message: string, details: Record<string, unknown> = {}): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_TIME_NTP_REFUSED', `${check}: ${message}`, { details: { check, ...details } });
}

/** Decodes the 48-byte header (extension fields and MAC after it are ignored). */
export function parsePacket(buf: Buffer): NtpPacket {
  if (buf.length < NTP_PACKET_BYTES) throw refused('length', `an NTP reply is at least ${NTP_PACKET_BYTES} bytes, got ${buf.length}`, { length: buf.length });
  return {
    leap: buf[0]! >> 6,
    version: (buf[0]! >> 3) & 7,
    mode: buf[0]! & 7,
    stratum: buf[1]!,
    poll: buf.readInt8(2),
    precision: buf.readInt8(3),
    rootDelay: buf.readUInt32BE(4) / 65536,
    rootDispersion: buf.readUInt32BE(8) / 65536,
    referenceId: Buffer.from(buf.subarray(12, 16)),
    reference: readNtp(buf, 16),
    origin: readNtp(buf, 24),
    receive: readNtp(buf, 32),
    transmit: readNtp(buf, 40),
  };
}

/** The kiss code of a stratum-0 reply (`RATE`, `DENY`, …), printable ASCII only. */
export function kissCode(p: NtpPacket): string {
  return p.referenceId.toString('latin1').replace(/[^\x20-\x7e]/g, '?').trimEnd();
}

/** θ and δ in ms from the four timestamps (RFC 4330 §5). */
export function offsetAndDelay(t1: number, t2: number, t3: number, t4: number): { offsetMs: number; delayMs: number } {
  return { offsetMs: ((t2 - t1) + (t3 - t4)) / 2, delayMs: (t4 - t1) - (t3 - t2) };
}

export interface SntpSample {
  server: string;
  offsetMs: number;
  delayMs: number;
  stratum: number;
  /** our system clock when the reply arrived (T4), epoch ms */
  at: number;
}

const isZero = (t: NtpTimestamp): boolean => t.seconds === 0 && t.fraction === 0;

/**
 * Checks a reply against the request we sent (its raw transmit timestamp bytes) and turns it into
 * a sample; throws FAKEOUT_ERR_TIME_NTP_REFUSED with `details.check` naming the rule it broke.
 */
export function judgeReply(server: string, reply: Buffer, sentTransmit: NtpTimestamp, t1Ms: number, t4Ms: number): SntpSample {
  const p = parsePacket(reply);
  if (p.mode !== 4) throw refused('mode', `the reply's mode is ${p.mode}, a server answers with mode 4`, { server, mode: p.mode });
  if (p.version < 1 || p.version > 4) throw refused('version', `the reply's version is ${p.version}, expected 1..4`, { server, version: p.version });
  if (p.stratum === 0) {
    const kiss = kissCode(p);
    throw refused('kiss', `the server sent a kiss-o'-death, code ${kiss}`, { server, kiss });
  }
  if (p.stratum > 15) throw refused('stratum', `the reply's stratum is ${p.stratum}, a usable server is 1..15`, { server, stratum: p.stratum });
  if (p.leap === 3) throw refused('leap', 'the server says it is unsynchronised (leap indicator 3)', { server, leap: 3 });
  if (p.origin.seconds !== sentTransmit.seconds || p.origin.fraction !== sentTransmit.fraction) {
    throw refused('origin', "the reply's origin timestamp is not our transmit timestamp (a stale or spoofed reply)", { server });
  }
  if (isZero(p.transmit)) throw refused('transmit', "the reply's transmit timestamp is zero", { server });
  const { offsetMs, delayMs } = offsetAndDelay(t1Ms, ntpToMs(p.receive), ntpToMs(p.transmit), t4Ms);
  if (delayMs < 0) throw refused('delay', `the round-trip delay is negative (${delayMs.toFixed(3)} ms)`, { server, delayMs });
  return { server, offsetMs, delayMs, stratum: p.stratum, at: t4Ms };
}

export { parseNtpServer, type NtpServer } from '../../actors/domain/config.ts';
import type { NtpServer } from '../../actors/domain/config.ts';

export interface QueryOptions {
  timeoutMs: number;
  /** the system clock read for T1 and T4 (injected so tests can skew it) */
  now?: () => number;
}

/**
 * The system clock with sub-ms steps for one exchange: Date.now() once (whole ms) plus the
 * monotonic clock's elapsed time. On loopback a round trip takes ~0.1 ms, so whole-ms T1 and T4
 * would make delays negative; anchoring to Date.now() per exchange keeps the reading tied to the
 * system clock (a process-wide performance.timeOrigin drifts from it over days). Cost: the
 * absolute reading is up to 1 ms behind (Date.now() truncates), so θ reads up to 1 ms high.
 */
function fineSystemClock(): () => number {
  const base = Date.now();
  const p0 = performance.now();
  return () => base + (performance.now() - p0);
}

/** One request/reply exchange. Throws FAKEOUT_ERR_TIME_NTP_TIMEOUT or _REFUSED. */
export function querySntp(server: NtpServer, opts: QueryOptions): Promise<SntpSample> {
  const now = opts.now ?? fineSystemClock();
  const name = `${server.host}:${server.port}`;
  const sock = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
  return new Promise<SntpSample>((resolve, reject) => {
    let sent: NtpTimestamp | undefined;
    let t1 = 0;
    const done = (err: unknown, sample?: SntpSample): void => {
      clearTimeout(timer);
      sock.removeAllListeners('message');
      sock.close();
      if (err) reject(err); else resolve(sample!);
    };
    const timer = setTimeout(() => done(new FakeoutError('FAKEOUT_ERR_TIME_NTP_TIMEOUT', `no NTP reply from ${name} within ${opts.timeoutMs} ms`, { details: { server: name, timeoutMs: opts.timeoutMs } })), opts.timeoutMs);
    sock.on('error', (err) => done(new FakeoutError('FAKEOUT_ERR_TIME_NTP_TIMEOUT', `NTP request to ${name} failed: ${err.message}`, { cause: err, details: { server: name } })));
    sock.on('message', (msg, rinfo) => {
      const t4 = now();
      if (rinfo.port !== server.port) return; // not from the server we asked: wait on
      try { done(null, judgeReply(name, msg, sent!, t1, t4)); } catch (err) { done(err); }
    });
    sock.connect(server.port, server.host, () => {
      t1 = now();
      const req = buildRequest(t1);
      sent = readNtp(req, 40);
      sock.send(req);
    });
  });
}

export interface MeasureOptions extends QueryOptions {
  samples: number;
}

export interface Measurement {
  /** the accepted sample: the smallest delay over every answer of every server */
  best: SntpSample | null;
  samples: SntpSample[];
  /** one line per failed request: `server: CODE: message` */
  failures: { server: string; error: unknown }[];
}

/** Asks each server `samples` times in turn and keeps the best answer by delay. */
export async function measureOffset(servers: readonly NtpServer[], opts: MeasureOptions): Promise<Measurement> {
  const samples: SntpSample[] = [];
  const failures: Measurement['failures'] = [];
  for (const s of servers) {
    for (let i = 0; i < opts.samples; i++) {
      try { samples.push(await querySntp(s, opts)); } catch (error) { failures.push({ server: `${s.host}:${s.port}`, error }); }
    }
  }
  const best = samples.reduce<SntpSample | null>((b, x) => (b === null || x.delayMs < b.delayMs ? x : b), null);
  return { best, samples, failures };
}
