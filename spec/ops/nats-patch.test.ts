import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const SCRIPT = resolve(import.meta.dirname, '../../ops/patches/nats-request-cancel.mjs');

/**
 * A stand-in for @nats-io/nats-core 3.4.0's lib/request.js: RequestOne's resolver and cancel
 * written as they are there (the resolver's tail is the text the patch looks for), with the
 * mux, the deferred and RequestError replaced by counters the test reads.
 */
const FIXTURE = `"use strict";
exports.built = 0;
class RequestError extends Error { constructor(m) { super(m); exports.built++; } }
class RequestOne {
    constructor(mux) {
        this.mux = mux;
        this.settled = [];
        this.deferred = { resolve: (v) => this.settled.push(['resolve', v]), reject: (e) => this.settled.push(['reject', e]) };
        this.timer = { cancel: () => { this.timerCancels = (this.timerCancels ?? 0) + 1; } };
    }
    resolver(err, msg) {
        if (this.timer) {
            this.timer.cancel();
        }
        if (err) {
            this.deferred.reject(err);
        }
        else {
            this.deferred.resolve(msg);
        }
        this.cancel();
    }
    cancel(err) {
        if (this.timer) {
            this.timer.cancel();
        }
        this.mux.cancel(this);
        this.deferred.reject(err ? err : new RequestError("cancelled"));
    }
}
exports.RequestOne = RequestOne;
`;

type Fixture = { dir: string; file: string };

function fixture(text: string): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-patch-'));
  mkdirSync(join(dir, '@nats-io/nats-core/lib'), { recursive: true });
  const file = join(dir, '@nats-io/nats-core/lib/request.js');
  writeFileSync(file, text);
  return { dir, file };
}

const runPatch = (dir: string) => spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });

/** Loads the fixture fresh and answers one request successfully. */
function answerOne(file: string) {
  const require = createRequire(import.meta.url);
  delete require.cache[file];
  const mod = require(file) as { built: number; RequestOne: new (mux: unknown) => { resolver(e: unknown, m: unknown): void; settled: unknown[][]; timerCancels?: number } };
  let muxCancels = 0;
  const r = new mod.RequestOne({ cancel: () => muxCancels++ });
  r.resolver(null, 'reply');
  return { built: mod.built, muxCancels, first: r.settled[0], timerCancels: r.timerCancels };
}

const s = suite('ops/patches/nats-request-cancel');

s('a successful request no longer builds a RequestError, and still leaves the mux and resolves', () => {
  const f = fixture(FIXTURE);
  try {
    const before = answerOne(f.file);
    assert.is(before.built, 1, 'the unpatched resolver builds RequestError("cancelled") after resolving');
    const r = runPatch(f.dir);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /applied to/);
    const after = answerOne(f.file);
    assert.equal(after, { built: 0, muxCancels: 1, first: ['resolve', 'reply'], timerCancels: 1 });
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

s('applying it twice changes nothing the second time', () => {
  const f = fixture(FIXTURE);
  try {
    assert.is(runPatch(f.dir).status, 0);
    const once = readFileSync(f.file, 'utf8');
    const again = runPatch(f.dir);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stdout, /already applied/);
    assert.is(readFileSync(f.file, 'utf8'), once);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

s('fails loudly, touching nothing, when the text it patches is not there (another version)', () => {
  const changed = FIXTURE.replace('        this.cancel();\n    }\n    cancel(err) {', '        this.cancel(null);\n    }\n    cancel(err) {');
  const f = fixture(changed);
  try {
    const r = runPatch(f.dir);
    assert.is(r.status, 1);
    assert.match(r.stderr, /does not contain the expected RequestOne\.resolver text/);
    assert.is(readFileSync(f.file, 'utf8'), changed);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

s('the installed @nats-io/nats-core is patched (ops/setup.sh ran) or patchable', () => {
  const installed = resolve(import.meta.dirname, '../../node_modules/@nats-io/nats-core/lib/request.js');
  const text = readFileSync(installed, 'utf8');
  const f = fixture(text);
  try {
    const r = runPatch(f.dir);
    assert.is(r.status, 0, r.stderr);
    execFileSync(process.execPath, ['--check', f.file]);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

s.run();
