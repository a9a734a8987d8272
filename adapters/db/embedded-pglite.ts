/**
 * The embedded database used when no DATABASE_URL is set: PGlite (Postgres compiled to WASM)
 * persisted under `<dataDir>/pglite`, served on 127.0.0.1 by @electric-sql/pglite-socket so
 * that the very same `pg` driver, Kysely dialect and SQL run against it as against a server.
 *
 * PGlite is a single-connection database. pglite-socket can accept several client connections
 * (`maxConnections`, default 1) and multiplexes them by queueing individual wire-protocol
 * messages. That is not safe for the extended protocol `pg` uses for parameterised queries: we
 * saw another connection's message land between a Bind and its Execute ("portal "" does not
 * exist") when readers ran beside transactions. So database.ts gives PGlite a pool of ONE
 * connection; concurrency is queueing in the pg Pool, which is all a single backend offers anyway.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded server. */
export interface EmbeddedPglite {
  host: string;
  port: number;
  /** where PGlite keeps its files */
  dir: string;
  /** Stops the socket server, then closes PGlite (flushing it to disk). Close client pools first. */
  stop(): Promise<void>;
}

/**
 * Opens (creating if needed) the PGlite data directory and serves it on a free port.
 *
 * POLICY: one process at a time per data directory. PGlite takes no lock of its own, so two
 * processes writing the same directory would corrupt it; the supervisor runs one database owner.
 */
export async function startEmbeddedPglite(dataDir: string, maxConnections: number): Promise<EmbeddedPglite> {
  const dir = join(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const host = '127.0.0.1';
  // port 0: the OS picks a free port when listening, so there is no probe-then-bind race.
  const server = new PGLiteSocketServer({ db: pglite, host, port: 0, maxConnections });
  try {
    await server.start();
  } catch (err) {
    await pglite.close().catch(() => undefined);
    throw err;
  }
  const port = Number(server.getServerConn().split(':').pop());
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    dir,
    stop() {
      stopped ??= (async () => {
        await server.stop();
        // The server detaches its handlers without awaiting them; let their queued socket
        // close callbacks run before PGlite goes away under them.
        await new Promise((resolve) => setImmediate(resolve));
        await pglite.close();
      })();
      return stopped;
    },
  };
}
