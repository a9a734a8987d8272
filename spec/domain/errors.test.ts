/**
 * Keeps the error registry, its documentation and its use in step: every code is well formed,
 * documented with the same status and meaning in docs/errors.md, and every code the source
 * names exists in the registry.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, errorText, FakeoutError, isFakeoutError, type ErrorCode } from '../../actors/domain/errors.ts';

const s = suite('error registry');

const ROOT = resolve(import.meta.dirname, '../..');
const CODE_SHAPE = /^FAKEOUT_ERR_[A-Z]+_[A-Z_]+$/;
const SOURCE_DIRS = ['actors', 'adapters', 'supervision', 'machines'];
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [full] : [];
  });
}

/** Every `FAKEOUT_ERR_…` string literal ('…', "…" or `…`) in the source, with where it is. */
function literalsInSource(): { code: string; at: string }[] {
  const found: { code: string; at: string }[] = [];
  for (const file of SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d)))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/(['"`])(FAKEOUT_ERR_[A-Za-z0-9_]*)\1/g)) {
        found.push({ code: m[2]!, at: `${relative(ROOT, file)}:${i + 1}` });
      }
    });
  }
  return found;
}

/** The rows of the code table in docs/errors.md: `| \`CODE\` | status | meaning | … |`. */
function docRows(md: string): Map<string, { status: string; meaning: string }> {
  const rows = new Map<string, { status: string; meaning: string }>();
  for (const line of md.split('\n')) {
    const m = /^\|\s*`(FAKEOUT_ERR_[A-Z_]+)`\s*\|([^|]*)\|([^|]*)\|/.exec(line);
    if (m) rows.set(m[1]!, { status: m[2]!.trim(), meaning: m[3]!.trim() });
  }
  return rows;
}

const ERRORS_MD = join(ROOT, 'docs/errors.md');
// Read up front but without throwing, so a missing page fails its tests instead of the whole run.
const errorsMd = existsSync(ERRORS_MD) ? readFileSync(ERRORS_MD, 'utf8') : '';

s('every code is FAKEOUT_ERR_<AREA>_<WHAT> in capitals', () => {
  const bad = codes.filter((c) => !CODE_SHAPE.test(c));
  assert.equal(bad, []);
});

s('no code is declared twice in errors.ts (a repeated key would silently replace the first)', () => {
  // Object.keys cannot show a duplicate, so read the declarations from the source itself.
  const src = readFileSync(join(ROOT, 'actors/domain/errors.ts'), 'utf8');
  const declared = [...src.matchAll(/^\s*(FAKEOUT_ERR_[A-Z_]+)\s*:/gm)].map((m) => m[1]!);
  const repeated = declared.filter((c, i) => declared.indexOf(c) !== i);
  assert.equal(repeated, []);
  assert.equal(declared.length, codes.length, 'every registry key found in the source');
});

s('every code has an HTTP status in 400..599 and a non-empty meaning', () => {
  for (const code of codes) {
    const { status, meaning } = ERROR_CODES[code];
    assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: status ${status}`);
    assert.ok(typeof meaning === 'string' && meaning.trim().length > 0, `${code}: meaning`);
  }
});

s('every code has a row in docs/errors.md with the registry status and meaning', () => {
  const rows = docRows(errorsMd);
  const missing = codes.filter((c) => !rows.has(c));
  assert.equal(missing, [], 'codes without a row in docs/errors.md');
  for (const code of codes) {
    const row = rows.get(code)!;
    assert.is(row.status, String(ERROR_CODES[code].status), `${code}: status in docs/errors.md`);
    assert.is(row.meaning, ERROR_CODES[code].meaning, `${code}: meaning in docs/errors.md`);
  }
});

s('every FAKEOUT_ERR_ token in docs/errors.md is a registry code', () => {
  const tokens = new Set([...errorsMd.matchAll(/FAKEOUT_ERR_[A-Z_]*[A-Z]/g)].map((m) => m[0]));
  assert.ok(tokens.size >= codes.length, 'the page names the codes');
  const unknown = [...tokens].filter((t) => !Object.hasOwn(ERROR_CODES, t));
  assert.equal(unknown, []);
});

s('every FAKEOUT_ERR_ string literal in actors/, adapters/, supervision/, machines/ is a registry code', () => {
  const literals = literalsInSource();
  // A scan that finds nothing would pass vacuously; the code base raises dozens.
  assert.ok(literals.length >= codes.length, `found ${literals.length} literals`);
  const unknown = literals.filter((l) => !Object.hasOwn(ERROR_CODES, l.code)).map((l) => `${l.code} at ${l.at}`);
  assert.equal(unknown, []);
});

s('every registry code is raised (named as a literal) somewhere outside the registry', () => {
  const used = new Set(literalsInSource().filter((l) => !l.at.startsWith('actors/domain/errors.ts')).map((l) => l.code));
  const unused = codes.filter((c) => !used.has(c));
  assert.equal(unused, [], 'codes nothing raises: raise them or say in docs/errors.md why they are kept');
});

s('FakeoutError carries code, status from the registry, frozen info and cause', () => {
  const cause = new Error('socket closed');
  const err = new FakeoutError('FAKEOUT_ERR_INGEST_BAD_ROW', 'line 12: price is not a number', {
    cause,
    details: { line: 12, field: 'price' },
  });
  assert.ok(err instanceof Error);
  assert.is(err.name, 'FakeoutError');
  assert.is(err.code, 'FAKEOUT_ERR_INGEST_BAD_ROW');
  assert.is(err.status, 400);
  assert.is(err.message, 'line 12: price is not a number');
  assert.equal({ ...err.info }, { line: 12, field: 'price' });
  assert.ok(Object.isFrozen(err.info));
  assert.is(err.cause, cause);
  assert.equal(err.toJSON(), { code: 'FAKEOUT_ERR_INGEST_BAD_ROW', message: 'line 12: price is not a number', line: 12, field: 'price' });
});

s('FakeoutError without options has empty info and no cause property', () => {
  const err = new FakeoutError('FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED', 'the webhook secret is missing or wrong');
  assert.is(err.status, 401);
  assert.equal({ ...err.info }, {});
  assert.not.ok('cause' in err);
});

s('FakeoutError copies details, so changing them later does not change the error', () => {
  const details: Record<string, unknown> = { field: 'PORT' };
  const err = new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'PORT: bad', { details });
  details.field = 'HOST';
  assert.is(err.info.field, 'PORT');
});

s('isFakeoutError recognises the class, with and without a code', () => {
  const err = new FakeoutError('FAKEOUT_ERR_NATS_PUBLISH', 'publish failed');
  assert.ok(isFakeoutError(err));
  assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_PUBLISH'));
  assert.not.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_CONNECT'));
  assert.not.ok(isFakeoutError(new Error('publish failed')));
  // Shaped like one but not one: classification is by class, never by look-alike fields.
  assert.not.ok(isFakeoutError({ name: 'FakeoutError', code: 'FAKEOUT_ERR_NATS_PUBLISH', status: 503 }));
  assert.not.ok(isFakeoutError(undefined));
  assert.not.ok(isFakeoutError(null, 'FAKEOUT_ERR_NATS_PUBLISH'));
});

s('errorText gives CODE: message for coded errors and the message otherwise', () => {
  assert.is(errorText(new FakeoutError('FAKEOUT_ERR_STAGE_FAULT', 'boom')), 'FAKEOUT_ERR_STAGE_FAULT: boom');
  assert.is(errorText(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED: refused');
  assert.is(errorText(Object.assign(new Error('odd'), { code: 42 })), 'odd');
  assert.is(errorText('plain text'), 'plain text');
  assert.is(errorText(7), '7');
});

s.run();
