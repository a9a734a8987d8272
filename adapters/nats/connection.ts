/**
 * One way to open a NATS connection, so every process role connects with the same reconnect
 * policy and every failure carries the same error code.
 */
import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { FakeoutError } from '../../actors/domain/errors.ts';

export type ConnectNatsOptions = {
  /** one URL or a comma-separated list (`nats://a:4222,nats://b:4222`) */
  servers: string;
  user?: string;
  pass?: string;
  /** a `.creds` file (JWT + nkey seed), the production alternative to user/pass */
  credsFile?: string;
  /** shows in `nats server report connections` and the server log: use the process role */
  name: string;
  /** ms to wait for the first connection, default 5 s */
  timeoutMs?: number;
};

/**
 * Connects to NATS. Once connected the client reconnects forever (a pipeline process outlives
 * a server restart; its JetStream state is durable, so nothing is lost while it waits).
 *
 * @throws FakeoutError FAKEOUT_ERR_NATS_CONNECT with the library error as `cause`
 *   (bad credentials, nothing listening, timeout, unreadable creds file).
 */
export async function connectNats(opts: ConnectNatsOptions): Promise<NatsConnection> {
  const servers = opts.servers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  try {
    const authenticator =
      opts.credsFile === undefined ? undefined : credsAuthenticator(await readFile(opts.credsFile));
    return await connect({
      servers,
      name: opts.name,
      ...(opts.user === undefined ? {} : { user: opts.user }),
      ...(opts.pass === undefined ? {} : { pass: opts.pass }),
      ...(authenticator === undefined ? {} : { authenticator }),
      timeout: opts.timeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // Without this the client builds two Error objects (stack captured) per request, to
      // decorate a failure that rarely comes: a quarter of the pipeline's CPU in a profile of a
      // replay. Failures are still typed and classified; only their async stack is shorter.
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new FakeoutError(
      'FAKEOUT_ERR_NATS_CONNECT',
      `could not connect to NATS at ${servers.join(',')} as ${opts.user ?? (opts.credsFile ? 'creds' : 'anonymous')}: ${(err as Error).message}`,
      // never the password: details end up in logs and HTTP bodies
      { cause: err, details: { servers, user: opts.user ?? null, name: opts.name } },
    );
  }
}
