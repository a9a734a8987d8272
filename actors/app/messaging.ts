/**
 * NATS for this process: NATS_URL when configured, else an embedded nats-server (the
 * project's nats.conf, a free port, its store under the data directory) run as the supervised
 * `nats-server` worker. A restarted embedded server keeps its port and passwords, so the
 * client simply reconnects and every durable consumer carries on.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyTopology,
  connectNats,
  startNatsServer,
  type NatsConnection,
  type NatsCredentials,
  type NatsServerProcess,
  type NatsUser,
} from '../../adapters/nats/index.ts';
import { createBus, type NatsBus } from '../../adapters/nats/bus.ts';
import type { DataDirLock } from '../../adapters/lock/index.ts';
import type { Logger } from '../../adapters/log/index.ts';
import type { Config } from '../domain/config.ts';
import type { ServiceHooks } from './service.actor.ts';

export const NATS_CONF = resolve(fileURLToPath(new URL('../../nats.conf', import.meta.url)));

export class EmbeddedNats {
  private proc: NatsServerProcess | undefined;
  private port = 0;
  private users: Record<NatsUser, NatsCredentials> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
    /** this process's lock on dataDir: it lets the server start stop an orphan of a killed fakeout */
    private readonly lock: DataDirLock,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  credentials(user: NatsUser): NatsCredentials {
    if (!this.users) throw new Error('embedded nats-server not started');
    return this.users[user];
  }

  /** Starts the server unless it is running; the first start picks the port and passwords. */
  async ensure(): Promise<void> {
    if (this.proc && !this.exited) return;
    this.exited = false;
    this.proc = await startNatsServer({
      dataDir: this.dataDir,
      configFile: NATS_CONF,
      port: this.port,
      users: this.users,
      dataDirLock: this.lock,
    });
    this.port = this.proc.port;
    this.users = this.proc.users;
    this.proc.onExit(() => (this.exited = true));
    this.log.info({ actor: 'nats-server', url: this.url, pid: this.proc.pid }, 'embedded nats-server running');
  }

  private exited = false;

  hooks(): ServiceHooks {
    return {
      start: () => this.ensure(),
      exited: () =>
        new Promise<string>((r) => {
          const p = this.proc;
          if (!p) return;
          p.onExit((code, signal) => r(`nats-server exited (code ${code}, signal ${signal})`));
        }),
      stop: async () => {
        await this.proc?.stop();
      },
    };
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}

export interface Messaging {
  nc: NatsConnection;
  bus: NatsBus;
  embedded: EmbeddedNats | undefined;
  isConnected(): boolean;
  close(): Promise<void>;
}

export async function openMessaging(config: Readonly<Config>, dataDir: string, log: Logger, lock: DataDirLock): Promise<Messaging> {
  let embedded: EmbeddedNats | undefined;
  let nc: NatsConnection;
  if (config.natsUrl) {
    nc = await connectNats({
      servers: config.natsUrl,
      user: config.natsUser,
      pass: config.natsPassword,
      credsFile: config.natsCreds,
      name: `fakeout-${config.role}`,
    });
  } else {
    embedded = new EmbeddedNats(dataDir, log, lock);
    await embedded.ensure();
    const creds = embedded.credentials('pipeline');
    try {
      nc = await connectNats({ servers: embedded.url, user: creds.user, pass: creds.pass, name: `fakeout-${config.role}` });
    } catch (err) {
      await embedded.stop();
      throw err;
    }
  }
  try {
    await applyTopology(nc);
  } catch (err) {
    await nc.close().catch(() => undefined);
    await embedded?.stop();
    throw err;
  }
  const bus = await createBus(nc);
  // A client that reconnects forever is never "closed"; health follows its status events.
  let connected = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'close') connected = false;
      else if (s.type === 'reconnect') connected = true;
    }
  })().catch(() => undefined);
  return {
    nc,
    bus,
    embedded,
    isConnected: () => connected && !nc.isClosed(),
    async close() {
      await nc.close().catch(() => undefined);
      // The supervisor normally stops the embedded server as its last child; this covers
      // the paths where the tree never started.
      await embedded?.stop();
    },
  };
}
