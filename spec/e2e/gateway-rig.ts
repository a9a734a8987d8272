/**
 * What the gateway e2e tests that run real `fakeout start` processes (gateway-process: a kill
 * mid-flow; gateway-standby: a standby taking over) share: two symbols of the same FTX slice,
 * two enrolled approvers with known TOTP seeds, launching the CLI and approving over HTTP.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { createAuthService } from '../../actors/auth/auth.service.ts';
import { lockoutPolicy } from '../../actors/auth/lockout.ts';
import type { AnyDb } from '../../actors/stage/ports.ts';
import { REPO, writeFtxSlice } from '../helpers/app.ts';
import { launch, type Running } from '../helpers/process.ts';
import { expectedBars, expectedSignals } from './expected.ts';

export const A_SYM = 'BTC-PERP';
export const B_SYM = 'BTC/USDT';
export const PASSWORDS: Readonly<Record<string, string>> = { ann: 'ann-password-1', ben: 'ben-password-22' };

/**
 * `btc-perp_1m.csv` (BTC-PERP) and freqtrade's `BTC_USDT-1m.csv` (BTC/USDT) with the same `rows`
 * minutes; the first signal's entry order of each symbol is A and B.
 */
export function twoSymbolSlices(dir: string, rows: number) {
  const slice = writeFtxSlice(dir, rows, 'btc-perp_1m.csv');
  const usdt = writeFtxSlice(dir, rows, 'BTC_USDT-1m.csv').path;
  // the same rows under another header spelling: a replay is keyed by the file's bytes, so equal files would replay once
  writeFileSync(usdt, readFileSync(usdt, 'utf8').replace(/^[^\n]*/, (h) => h.toUpperCase()));
  const signals = expectedSignals(expectedBars(A_SYM, slice.rows, ['1m']).values());
  assert.ok(signals.length >= 3, 'the slice holds several signals');
  const first = signals[0]!;
  return { rows: slice.rows, signals, files: [join(dir, 'btc-perp_1m.csv'), usdt], A: `${first.id}:entry`, B: `${first.id.replace(A_SYM, B_SYM)}:entry` };
}

/** Adds ann and ben as approvers and enrols their TOTP with fixed seeds (returned, for the codes). */
export async function enrolApprovers(db: AnyDb, dir: string): Promise<Record<string, Buffer>> {
  const seeds: Record<string, Buffer> = {};
  let enrolling = '';
  const auth = createAuthService({
    db, clock: { now: () => Date.now() }, lockout: lockoutPolicy(5, 900), operator: 'cli:test', secretsDir: join(dir, 'qr'),
    random: (k) => (seeds[enrolling] = Buffer.alloc(k, enrolling === 'ann' ? 7 : 9)),
  });
  for (const name of Object.keys(PASSWORDS)) {
    await auth.addUser(name, 'approver', PASSWORDS[name]!);
    enrolling = name;
    await auth.enrollTotp(name);
  }
  return seeds;
}

/** `fakeout start` as a child process with `env`, remembered in `procs` for the cleanup. */
export function startCli(procs: Running[], env: Record<string, string>): Running {
  const p = launch(process.execPath, ['--import', 'tsx', join(REPO, 'actors/app/cli.ts'), 'start'], env);
  procs.push(p);
  return p;
}

/** POST /api/orders/:id/approve as `user` with `code`; the HTTP status. */
export async function approveOver(url: string, user: string, coid: string, code: string): Promise<number> {
  const res = await fetch(`${url}/api/orders/${encodeURIComponent(coid)}/approve`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password: PASSWORDS[user], code }),
  });
  return res.status;
}

/** The cleanup's part for the processes: SIGKILL what still runs, wait for every exit. */
export async function killAll(procs: readonly Running[]): Promise<void> {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
}
