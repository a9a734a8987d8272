import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { openDatabase } from '../../adapters/db/database.ts';
import { toDbError } from '../../adapters/db/db-errors.ts';

const s = suite('openDatabase');

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

s('an unreachable server fails with FAKEOUT_ERR_DB_CONNECT, the driver error as cause', async () => {
  const port = await closedPort();
  try {
    await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/nothing`, dataDir: tmpdir() });
    assert.unreachable('connected to a closed port');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_DB_CONNECT'), String(err));
    assert.is((err.cause as { code?: string }).code, 'ECONNREFUSED');
  }
});

s('without a URL it opens PGlite under <dataDir>/pglite, and close() can be called twice', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fakeout-db-open-'));
  try {
    const database = await openDatabase({ dataDir, poolSize: 2 });
    assert.is(database.kind, 'pglite');
    assert.ok(existsSync(join(dataDir, 'pglite', 'PG_VERSION')), 'no PGlite cluster under <dataDir>/pglite');
    const rows = await database.db.selectFrom('raw_events').select((eb) => eb.fn.countAll<number>().as('n')).execute();
    assert.equal(rows, [{ n: 0 }]);
    await database.close();
    await database.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

s('driver errors are classified by SQLSTATE, not by message text', () => {
  const appendOnly = toDbError(Object.assign(new Error('anything'), { code: 'FKA01' }), 'x');
  assert.is(appendOnly.code, 'FAKEOUT_ERR_DB_APPEND_ONLY');
  assert.is(toDbError(Object.assign(new Error('append-only'), { code: '23505' }), 'x').code, 'FAKEOUT_ERR_DB_QUERY');
  assert.is(toDbError(Object.assign(new Error('bye'), { code: '57P01' }), 'x').code, 'FAKEOUT_ERR_DB_CONNECT');
  assert.equal(toDbError(Object.assign(new Error('dup'), { code: '23505' }), 'x').info, { sqlstate: '23505' });
});

s.run();
