import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyTopology,
  connectNats,
  jetstream,
  NATS_PASSWORD_ENV,
  NATS_USERS,
  publishJson,
  startNatsServer,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { acquireDataDirLock } from '../../adapters/lock/index.ts';
import { stopOrphanedServer } from '../../adapters/nats/orphan.ts';
import { PROJECT_NATS_CONF, startTestNats } from '../helpers/nats-server.ts';

const s = suite('embedded nats-server');
let scratch: string;

s.before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fakeout-nats-embedded-'));
});
s.after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => res(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

s('stop() leaves no process behind and reports the exit', async () => {
  const t = await startTestNats();
  const pid = t.server.pid;
  assert.ok(alive(pid), 'running before stop');
  const exits: [number | null, string | null][] = [];
  t.server.onExit((code, signal) => exits.push([code, signal]));
  await t.cleanup();
  assert.not.ok(alive(pid), `pid ${pid} is gone`);
  // nats-server traps SIGTERM, shuts down and exits by itself (code 1 on 2.9.10): no SIGKILL needed
  assert.is(exits.length, 1);
  assert.is.not(exits[0]?.[1], 'SIGKILL');
  await t.server.stop(); // a second stop is a no-op
  assert.not.ok(existsSync(t.dataDir), 'temp dir removed');
});

s('a server orphaned by a killed fakeout on the same store is stopped before a new one starts by the lock holder', async () => {
  const dataDir = join(scratch, 'orphan');
  const orphan = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF });
  // The parent "dies" without stopping it: the next start, holding the data-dir lock, finds it by its pid file.
  const lock = await acquireDataDirLock(dataDir);
  const next = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF, dataDirLock: lock });
  try {
    assert.not.ok(alive(orphan.pid), `orphan ${orphan.pid} stopped`);
    assert.ok(alive(next.pid), 'the new server runs');
    assert.is.not(next.pid, orphan.pid);
  } finally {
    await next.stop();
    await orphan.stop();
    lock.release();
  }
  assert.not.ok(existsSync(join(dataDir, 'nats', 'fakeout-nats-server.pid')), 'pid file removed on stop');
});

s('without the data-dir lock a running server on the store is left alone and no second one starts', async () => {
  const dataDir = join(scratch, 'no-lock');
  const running = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF });
  try {
    try {
      await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF });
      assert.unreachable('should refuse');
    } catch (err) {
      assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
      assert.match(err.message, `pid ${running.pid}`);
    }
    // A lock on another directory, or one no longer held, is no licence to reap either.
    const elsewhere = await acquireDataDirLock(join(scratch, 'elsewhere'));
    const released = await acquireDataDirLock(dataDir);
    released.release();
    for (const lock of [elsewhere, released]) {
      try {
        await stopOrphanedServer(join(dataDir, 'nats'), lock);
        assert.unreachable('should refuse');
      } catch (err) {
        assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
      }
    }
    elsewhere.release();
    assert.ok(alive(running.pid), 'the running server was not touched');
  } finally {
    await running.stop();
  }
});

s('the server stores under <dataDir>/nats, logs to server.log and answers as every nats.conf user', async () => {
  const dataDir = join(scratch, 'layout');
  const server = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF });
  try {
    assert.ok(existsSync(join(dataDir, 'nats', 'jetstream')), 'jetstream store');
    assert.match(await readFile(join(dataDir, 'nats', 'server.log'), 'utf8'), 'Server is ready');
    assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    for (const user of NATS_USERS) {
      const nc = await connectNats({ servers: server.url, ...server.users[user], name: `layout-${user}` });
      await nc.close();
    }
  } finally {
    await server.stop();
  }
});

s('passwords are fresh per start, come from the environment, and never appear in nats.conf', async () => {
  const a = await startNatsServer({ dataDir: join(scratch, 'a'), configFile: PROJECT_NATS_CONF });
  const b = await startNatsServer({ dataDir: join(scratch, 'b'), configFile: PROJECT_NATS_CONF });
  try {
    assert.is.not(a.users.pipeline.pass, b.users.pipeline.pass);
    assert.is.not(a.users.pipeline.pass, a.users.ops.pass);
    const conf = await readFile(PROJECT_NATS_CONF, 'utf8');
    for (const user of NATS_USERS) {
      assert.ok(conf.includes(`$${NATS_PASSWORD_ENV[user]}`), `${user} password is an env reference`);
      assert.not.ok(conf.includes(a.users[user].pass));
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

s('an explicit port is used as given', async () => {
  const port = await freePort();
  const server = await startNatsServer({ dataDir: join(scratch, 'port'), configFile: PROJECT_NATS_CONF, port });
  try {
    assert.is(server.port, port);
    assert.is(server.url, `nats://127.0.0.1:${port}`);
  } finally {
    await server.stop();
  }
});

s('a restart with the same port, users and dataDir lets a connected client carry on, messages kept', async () => {
  const dataDir = join(scratch, 'restart');
  const first = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF });
  const admin = await connectNats({ servers: first.url, ...first.users.admin, name: 'restart-admin' });
  await applyTopology(admin);
  await admin.close();
  const nc = await connectNats({ servers: first.url, ...first.users.ingest, name: 'restart-client' });
  try {
    await publishJson(jetstream(nc), 'raw.tv.AAPL', 'before-restart', { n: 1 });
    const reconnected = (async () => {
      for await (const st of nc.status()) if (st.type === 'reconnect') return true;
      return false;
    })();
    await first.stop();
    const second = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF, port: first.port, users: first.users });
    try {
      // the same client object reconnects by itself (a publish issued while it is still
      // disconnected can time out: callers retry with the same msgID, see publish.ts)
      assert.ok(await reconnected, 'client reconnected');
      const ack = await publishJson(jetstream(nc), 'raw.tv.AAPL', 'after-restart', { n: 2 });
      assert.equal(ack, { seq: 2, duplicate: false });
      assert.is(second.url, first.url);
    } finally {
      await nc.close();
      await second.stop();
    }
  } finally {
    await nc.close();
    await first.stop();
  }
});

s('a password nats-server would re-parse as something else is refused up front', async () => {
  const users = { admin: { user: 'admin', pass: 'fo0123456789abcdef0' }, ingest: { user: 'ingest', pass: 'fo0123456789abcdef1' }, pipeline: { user: 'pipeline', pass: '1e5' }, gateway: { user: 'gateway', pass: 'x' }, ops: { user: 'ops', pass: 'y' } };
  try {
    await startNatsServer({ dataDir: join(scratch, 'badpass'), configFile: PROJECT_NATS_CONF, users });
    assert.unreachable('should not start');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
  }
});

s('a config referring to an unset environment variable fails closed, with the log tail in the error', async () => {
  const conf = join(scratch, 'unset.conf');
  await writeFile(conf, 'jetstream {\n}\nauthorization { user: x, password: $FAKEOUT_TEST_SURELY_UNSET_VAR }\n');
  const started = performance.now();
  try {
    await startNatsServer({ dataDir: join(scratch, 'unset'), configFile: conf });
    assert.unreachable('should not start');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
    assert.match(err.message, 'FAKEOUT_TEST_SURELY_UNSET_VAR'); // nats-server's own complaint, from the log
  }
  assert.ok(performance.now() - started < 5_000, 'noticed the early exit instead of waiting out the timeout');
});

s('a server that cannot bind its port fails at once with its own reason on the first line; a later failure in the same log gives its own', async () => {
  // A listener this test holds on a port; the server is told to use the same one.
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as { port: number }).port;
  const dataDir = join(scratch, 'port-taken');
  // An earlier start's lines in the same server.log must not be mistaken for this one's.
  const earlier = await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF });
  await earlier.stop();
  const started = performance.now();
  try {
    await startNatsServer({ dataDir, configFile: PROJECT_NATS_CONF, port });
    assert.unreachable('should not start');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
    const [first, ...rest] = err.message.split('\n');
    assert.match(first!, 'exited early with code 1');
    assert.match(first!, `127.0.0.1:${port}`);
    assert.match(first!, 'address already in use');
    assert.is(err.info.reason, `Error listening on port: 127.0.0.1:${port}, "listen tcp 127.0.0.1:${port}: bind: address already in use"`);
    assert.not.ok(rest.join('\n').includes('Server is ready'), 'only this start\'s lines are quoted');
  } finally {
    await new Promise((r) => holder.close(r));
  }
  assert.ok(performance.now() - started < 5_000, 'noticed the early exit instead of waiting out the timeout');
  // The next failure in the same server.log gives its own reason, not the port one above.
  const conf = join(scratch, 'unset-after-port.conf');
  await writeFile(conf, 'jetstream {\n}\nauthorization { user: x, password: $FAKEOUT_TEST_SURELY_UNSET_VAR }\n');
  try {
    await startNatsServer({ dataDir, configFile: conf });
    assert.unreachable('should not start');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
    assert.is(err.info.reason, "nats-server: variable reference for 'FAKEOUT_TEST_SURELY_UNSET_VAR' on line 3 can not be found");
    assert.not.match(err.message, 'address already in use');
  }
});

s('a missing nats-server binary fails with FAKEOUT_ERR_NATS_SERVER_START pointing at ops/setup.sh', async () => {
  try {
    await startNatsServer({ dataDir: join(scratch, 'missing'), configFile: PROJECT_NATS_CONF, binary: 'nats-server-not-installed' });
    assert.unreachable('should not start');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_SERVER_START'), String(err));
    assert.match(err.message, 'ops/setup.sh');
  }
});

s.run();
