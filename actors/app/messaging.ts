/**
 * NATS for this process: NATS_URL when configured, else an embedded nats-server (the
 * project's nats.conf, a free port, its store under the data directory) run as the supervised
 * `nats-server` worker. Its passwords are generated once into `<dataDir>/nats/users.json`
 * (owner-only) and reused; a restarted embedded server keeps its port and passwords, so the
 * clients simply reconnect and every durable consumer carries on.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyTopology,
  connectNats,
  jetstreamManager,
  startNatsServer,
  type NatsConnection,
  type NatsCredentials,
  type NatsServerProcess,
  type NatsUser,
  type Topology,
} from '../../adapters/nats/index.ts';
import { loadOrCreateNatsUsers } from '../../adapters/nats/credentials-file.ts';
import { FakeoutError } from '../domain/errors.ts';
import { createBus, type NatsBus } from '../../adapters/nats/bus.ts';
import { configReader, ensureConfigBucket, type StoredVersion } from '../../adapters/nats/config-kv.ts';
import { ensureLeaseBucket, LEASE_BUCKET } from '../../adapters/nats/lease-kv.ts';
import type { GovernedVersion } from '../config/governed.ts';
import type { DataDirLock } from '../../adapters/lock/index.ts';
import type { Logger } from '../../adapters/log/index.ts';
import { natsPasswordOf, natsPasswordVariable, type Config } from '../domain/config.ts';
import type { ServiceHooks } from './service.actor.ts';

export const NATS_CONF = resolve(fileURLToPath(new URL('../../nats.conf', import.meta.url)));

export class EmbeddedNats {
  private proc: NatsServerProcess | undefined;
  private port = 0;
  /** kept across restarts like the client port: a dashboard or scraper pointed at it keeps working */
  private monitorPort: number;
  private monitor: string | undefined;
  private users: Record<NatsUser, NatsCredentials> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
    /** this process's lock on dataDir: it lets the server start stop an orphan of a killed fakeout */
    private readonly lock: DataDirLock,
    /** FAKEOUT_NATS_MONITOR_PORT: the monitoring port on 127.0.0.1; 0 = a free one */
    monitorPort = 0,
  ) {
    this.monitorPort = monitorPort;
  }

  /** `http://127.0.0.1:<port>` of the server's monitoring endpoints (/varz, /jsz, /connz) once started */
  get monitorUrl(): string | undefined {
    return this.monitor;
  }

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
    this.users ??= loadOrCreateNatsUsers(resolve(this.dataDir, 'nats'));
    this.proc = await startNatsServer({
      dataDir: this.dataDir,
      configFile: NATS_CONF,
      port: this.port,
      monitorPort: this.monitorPort,
      users: this.users,
      dataDirLock: this.lock,
    });
    this.port = this.proc.port;
    this.monitor = this.proc.monitorUrl;
    if (this.monitor !== undefined) this.monitorPort = Number(new URL(this.monitor).port);
    this.users = this.proc.users;
    this.proc.onExit(() => (this.exited = true));
    this.log.info({ actor: 'nats-server', url: this.url, pid: this.proc.pid }, 'embedded nats-server running');
    if (this.monitor !== undefined) this.log.info({ actor: 'nats-server', monitor: this.monitor, endpoints: ['/varz', '/jsz', '/connz'] }, 'nats-server monitoring (loopback only)');
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
  embedded: EmbeddedNats | undefined;
  /** the connection of one NATS user this process connects as */
  connection(user: NatsUser): NatsConnection;
  /** the bus on that user's connection */
  bus(user: NatsUser): NatsBus;
  /** the users this process is connected as */
  users: readonly NatsUser[];
  /** the governed config version in force at start (KV bucket `config`), when this process could read it */
  governed: StoredVersion | undefined;
  /**
   * Runs `fn` over a short-lived `admin` connection (applying a config change); refused with
   * FAKEOUT_ERR_CONFIG_UNAVAILABLE when this process has no admin credentials.
   */
  asAdmin<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T>;
  isConnected(): boolean;
  close(): Promise<void>;
}

export interface MessagingOptions {
  /** the NATS users to connect as (one connection each) */
  users: readonly NatsUser[];
  /** the streams and consumers the role needs, applied as `admin` when its password is known */
  topology: Topology;
  /** this process's lock on the data directory (the embedded server's orphan reaper needs it) */
  lock: DataDirLock;
  /** version 1 of the governed config, seeded into the KV bucket `config` when it holds none (docs/config.md) */
  governedSeed?: () => GovernedVersion;
  /** a gateway under the lease (actors/app/gateway-lease.ts): the KV bucket `leases` with this TTL, created or set as admin */
  leaseTtlMs?: number;
}

/**
 * Opens NATS for a process: starts the embedded server when NATS_URL is unset, applies the
 * role's topology as the `admin` user (then closes that connection: no long-lived connection
 * holds admin rights), and opens one connection per user the role's actors authenticate as.
 * With NATS_URL and no admin password the topology must already exist; a missing stream or
 * consumer is then a clear start-up error naming it.
 */
export async function openMessaging(config: Readonly<Config>, dataDir: string, log: Logger, opts: MessagingOptions): Promise<Messaging> {
  let embedded: EmbeddedNats | undefined;
  let servers: string;
  const credentials = (user: NatsUser): NatsCredentials | undefined => {
    if (embedded) return embedded.credentials(user);
    const pass = natsPasswordOf(config, user);
    return pass === undefined ? undefined : { user, pass };
  };
  if (config.natsUrl) {
    servers = config.natsUrl;
    const missing = opts.users.filter((u) => natsPasswordOf(config, u) === undefined);
    if (missing.length > 0) {
      throw new FakeoutError(
        'FAKEOUT_ERR_CONFIG_INVALID',
        `${natsPasswordVariable(missing[0]!)}: role ${config.role} connects as NATS user${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; set ${missing.map(natsPasswordVariable).join(', ')}`,
        { details: { field: natsPasswordVariable(missing[0]!) } },
      );
    }
  } else {
    embedded = new EmbeddedNats(dataDir, log, opts.lock, config.natsMonitorPort);
    await embedded.ensure();
    servers = embedded.url;
  }
  const connections = new Map<NatsUser, NatsConnection>();
  let governed: StoredVersion | undefined;
  const closeAll = async () => {
    await Promise.allSettled([...connections.values()].map((nc) => nc.close()));
    await embedded?.stop();
  };
  try {
    const admin = credentials('admin');
    if (admin) {
      const nc = await connectNats({ servers, user: admin.user, pass: admin.pass, name: `fakeout-${config.role}-admin` });
      try {
        await applyTopology(nc, opts.topology, { replicas: config.streamReplicas });
        if (opts.governedSeed) governed = await ensureConfigBucket(nc, opts.governedSeed, config.streamReplicas);
        if (opts.leaseTtlMs !== undefined) await ensureLeaseBucket(nc, opts.leaseTtlMs, config.streamReplicas);
      } finally {
        await nc.close().catch(() => undefined);
      }
    }
    for (const user of opts.users) {
      const c = credentials(user)!;
      connections.set(user, await connectNats({ servers, user: c.user, pass: c.pass, name: `fakeout-${config.role}-${user}` }));
    }
    if (!admin) await checkTopology(connections.values().next().value!, opts.topology, opts.leaseTtlMs === undefined ? [] : [`KV_${LEASE_BUCKET}`]);
    if (!admin && opts.governedSeed) {
      const reader = [...connections.entries()].find(([u]) => u !== 'ingest')?.[1];
      governed = reader === undefined ? undefined : await configReader(reader).stored().catch((err: unknown) => {
        throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `the config bucket is missing or empty and ${natsPasswordVariable('admin')} is unset, so it cannot be created; start once with it set`, {
          cause: err, details: { field: natsPasswordVariable('admin') },
        });
      });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  const buses = new Map<NatsUser, NatsBus>();
  for (const [user, nc] of connections) buses.set(user, await createBus(nc));
  // A client that reconnects forever is never "closed"; health follows its status events.
  const down = new Set<NatsUser>();
  for (const [user, nc] of connections) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'close') down.add(user);
        else if (s.type === 'reconnect') down.delete(user);
      }
    })().catch(() => undefined);
  }
  const pick = <T>(m: Map<NatsUser, T>, user: NatsUser): T => {
    const v = m.get(user);
    if (v === undefined) throw new Error(`this process (role ${config.role}) is not connected as NATS user ${user}`);
    return v;
  };
  return {
    embedded,
    users: [...connections.keys()],
    governed,
    async asAdmin(fn) {
      const admin = credentials('admin');
      if (!admin) {
        throw new FakeoutError('FAKEOUT_ERR_CONFIG_UNAVAILABLE', `this process has no admin NATS credentials (${natsPasswordVariable('admin')}), so it cannot write the config bucket`, { details: { field: natsPasswordVariable('admin') } });
      }
      const nc = await connectNats({ servers, user: admin.user, pass: admin.pass, name: `fakeout-${config.role}-admin-config` });
      try {
        return await fn(nc);
      } finally {
        await nc.close().catch(() => undefined);
      }
    },
    connection: (user) => pick(connections, user),
    bus: (user) => pick(buses, user),
    isConnected: () => down.size === 0 && [...connections.values()].every((nc) => !nc.isClosed()),
    // The supervisor normally stops the embedded server as its last child; this covers the
    // paths where the tree never started.
    close: closeAll,
  };
}

/** Without admin rights: every stream, KV bucket (`KV_<name>`) and consumer the role needs must already be there. */
async function checkTopology(nc: NatsConnection, topology: Topology, buckets: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of [...topology.streams.map((st) => st.name), ...buckets]) {
    await jsm.streams.info(name).catch((err: unknown) => {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `stream ${name} is missing and ${natsPasswordVariable('admin')} is unset, so it cannot be created; start once with it set`, {
        cause: err,
        details: { field: natsPasswordVariable('admin'), stream: name },
      });
    });
  }
  for (const c of topology.consumers) {
    await jsm.consumers.info(c.stream, c.durable).catch((err: unknown) => {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `consumer ${c.stream}/${c.durable} is missing and ${natsPasswordVariable('admin')} is unset; start once with it set`, {
        cause: err,
        details: { field: natsPasswordVariable('admin'), stream: c.stream, consumer: c.durable },
      });
    });
  }
}
