/**
 * Test-only SNTP servers on 127.0.0.1:
 * - {@link startTestResponder}: a tiny responder written for the tests, which answers with a
 *   configured clock offset or misbehaves on purpose (no answer, bad stratum, kiss-o'-death,
 *   leap 3, wrong origin timestamp, client mode);
 * - {@link startChronyd}: a REAL NTP server, Debian's chronyd, as a child in the foreground with
 *   a temp config (`-x`: it never touches the system clock), stopped by its pid.
 * The responder encodes NTP timestamps itself (not with adapters/time/sntp.ts) so the client's
 * codec is checked against an independent one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export type Misbehaviour =
  | { kind: 'none' }
  | { kind: 'silent' }
  | { kind: 'stratum'; stratum: number }
  | { kind: 'kiss'; code: string }
  | { kind: 'leap3' }
  | { kind: 'wrong-origin' }
  | { kind: 'mode'; mode: number };

export interface Responder {
  port: number;
  /** requests received so far */
  requests(): number;
  close(): Promise<void>;
}

/** Epoch ms -> 8 bytes of NTP timestamp, written out longhand. */
export function ntpBytes(ms: number): Buffer {
  const b = Buffer.alloc(8);
  const secs = Math.floor(ms / 1000);
  const fracMs = ms - secs * 1000;
  b.writeUInt32BE(secs + 2_208_988_800, 0);
  b.writeUInt32BE(Math.floor((fracMs / 1000) * 2 ** 32), 4);
  return b;
}

export async function startTestResponder(opts: { offsetMs?: number; misbehave?: Misbehaviour } = {}): Promise<Responder> {
  const offset = opts.offsetMs ?? 0;
  const bad = opts.misbehave ?? { kind: 'none' };
  const sock: Socket = createSocket('udp4');
  let count = 0;
  // Sub-ms receive/transmit times, as a real server's: with whole-ms Date.now() a reply that
  // straddled a millisecond boundary said T3 - T2 = 1 ms for a loopback round trip of 0.2 ms,
  // and the client rightly refused it as a negative delay (a CI failure of sntp-servers).
  const base = Date.now();
  const p0 = performance.now();
  const fineNow = (): number => base + (performance.now() - p0);
  sock.on('message', (req, rinfo) => {
    count++;
    if (bad.kind === 'silent') return;
    const t2 = fineNow() + offset;
    const res = Buffer.alloc(48);
    const leap = bad.kind === 'leap3' ? 3 : 0;
    const mode = bad.kind === 'mode' ? bad.mode : 4;
    res[0] = (leap << 6) | (4 << 3) | mode;
    res[1] = bad.kind === 'stratum' ? bad.stratum : bad.kind === 'kiss' ? 0 : 2;
    res[2] = 6;
    res[3] = 0xec; // precision -20
    if (bad.kind === 'kiss') res.write(bad.code.padEnd(4, '\0').slice(0, 4), 12, 'latin1');
    else res.write('TEST', 12, 'latin1');
    ntpBytes(t2 - 1000).copy(res, 16); // reference
    if (bad.kind === 'wrong-origin') ntpBytes(Date.now() - 5000).copy(res, 24);
    else req.copy(res, 24, 40, 48); // origin = the client's transmit timestamp
    ntpBytes(t2).copy(res, 32); // receive
    ntpBytes(fineNow() + offset).copy(res, 40); // transmit
    sock.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    port: sock.address().port,
    requests: () => count,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}

/** A free UDP port on 127.0.0.1 (bound and released). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface Chronyd {
  port: number;
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/** Starts `chronyd -d -x -f <temp conf>` serving 127.0.0.1:<free port> at local stratum 8. */
/** chronyd on PATH, else Debian's /usr/sbin/chronyd (not on a normal user's PATH); undefined = not installed. */
export function chronydPath(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin']) {
    if (existsSync(join(dir, 'chronyd'))) return join(dir, 'chronyd');
  }
  return undefined;
}

export async function startChronyd(bin = chronydPath() ?? 'chronyd'): Promise<Chronyd> {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-chronyd-'));
  const port = await freeUdpPort();
  const conf = join(dir, 'chrony.conf');
  writeFileSync(conf, [
    `port ${port}`, 'bindaddress 127.0.0.1', 'local stratum 8', 'allow 127.0.0.1', 'cmdport 0',
    `driftfile ${join(dir, 'drift')}`, `pidfile ${join(dir, 'chronyd.pid')}`, '',
  ].join('\n'));
  let out = '';
  // -u: stay the current user (as root chronyd would otherwise drop to _chrony, which cannot
  // write the temp dir); -x: never adjust the system clock; -d: foreground, log to stderr.
  const child = spawn(bin, ['-d', '-x', '-u', userInfo().username, '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  // ready once it logs that system clock control is off and the socket is open; poll the log
  const deadline = Date.now() + 5000;
  while (!/Disabled control of system clock/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`chronyd did not start:\n${out}`);
    await Promise.race([new Promise((r) => setTimeout(r, 50)), spawnError]);
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    port,
    child,
    log: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
