/**
 * The Node range is honest: package.json's engines, ops/setup.sh's check and every locked
 * dependency agree, so `npm ci` on the oldest Node allowed prints no EBADENGINE.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../helpers/app.ts';

const s = suite('node engines');

const setup = readFileSync(join(REPO, 'ops/setup.sh'), 'utf8');
const minMajor = Number(/NODE_MIN_MAJOR=(\d+)/.exec(setup)?.[1]);
const minMinor = Number(/NODE_MIN_MINOR=(\d+)/.exec(setup)?.[1]);

type V = [number, number, number];
const cmp = (a: V, b: V) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const parse = (v: string): V => {
  const p = v.replace(/\.[x*]$/, '').split('.').map(Number);
  return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
};

/**
 * Does `version` satisfy `range`? Only the comparators the lock file uses (`>=v`, `^v`, `N.*`,
 * `N.x`, a bare major `N`, joined by `||`); anything else throws, so a new form cannot pass unread.
 */
function satisfies(version: V, range: string): boolean {
  return range.split('||').some((alt) => {
    const a = alt.trim().replace(/^>=\s+/, '>=');
    if (a.startsWith('>=')) return cmp(version, parse(a.slice(2))) >= 0;
    if (a.startsWith('^')) {
      const lo = parse(a.slice(1));
      return version[0] === lo[0] && cmp(version, lo) >= 0;
    }
    if (/^\d+\.[x*]$/.test(a)) return version[0] === Number(a.split('.')[0]);
    if (/^\d+$/.test(a)) return version[0] === Number(a); // a bare major: any N.x.y
    throw new Error(`range form not understood: ${range}`);
  });
}

s('package.json engines and ops/setup.sh name the same minimum', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.ok(Number.isInteger(minMajor) && Number.isInteger(minMinor), 'setup.sh declares NODE_MIN_MAJOR and NODE_MIN_MINOR');
  assert.is(pkg.engines.node, `>=${minMajor}.${minMinor}`);
});

s('every locked package accepts the oldest Node allowed (no EBADENGINE)', () => {
  assert.ok(satisfies([20, 11, 0], '>=20') && !satisfies([20, 11, 0], '>= 22.x') && !satisfies([20, 11, 0], '^16 || ^18'), 'the checker itself');
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
  const oldest: V = [minMajor, minMinor, 0];
  const refusing = Object.entries(lock.packages)
    .filter(([, p]) => p.engines?.node !== undefined && !satisfies(oldest, p.engines.node))
    .map(([name, p]) => `${name} ${p.engines!.node}`);
  assert.equal(refusing, []);
});

s('ops/setup.sh refuses an older Node and says what is needed', () => {
  const bin = mkdtempSync(join(tmpdir(), 'fakeout-fake-node-'));
  try {
    // a `node` that answers setup.sh's version questions as Node 20.10.0 would
    writeFileSync(
      join(bin, 'node'),
      '#!/bin/sh\ncase "$*" in *"[0]"*) echo 20;; *"[1]"*) echo 10;; --version) echo v20.10.0;; *) exit 9;; esac\n',
    );
    chmodSync(join(bin, 'node'), 0o755);
    const r = spawnSync('bash', [join(REPO, 'ops/setup.sh')], { env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    assert.is(r.status, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /Node\.js >= 20\.11 is required; found v20\.10\.0/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

s.run();
