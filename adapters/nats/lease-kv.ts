/**
 * The gateway lease in the JetStream KV bucket `leases` (docs/execution.md, "One active gateway
 * per account"): the KV lock pattern of JetStream, no election of our own.
 *
 * - the bucket keeps one revision per key (history 1) and its max_age is the lease TTL: a key
 *   nobody rewrites within the TTL is removed by the server;
 * - acquire = `create(key)`, which the server refuses while the key exists (expected last
 *   subject sequence 0);
 * - renew = `update(key, revision)`, which the server refuses unless the key is still at the
 *   revision this holder wrote last (nobody took it over meanwhile);
 * - release = `delete(key, previousSeq: revision)`, so a standby need not wait for the TTL.
 *
 * Only `admin` creates the bucket (at start, with the configured TTL); only `gateway` may write
 * its keys (nats.conf).
 */
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { FakeoutError, errorText } from '../../actors/domain/errors.ts';

export const LEASE_BUCKET = 'leases';

/** What the holder writes under its key: who holds it, for people reading the bucket (`nats kv get leases …`). */
export interface LeaseValue {
  /** stable per host and data directory: a restarted process reclaims the lease it held */
  holder: string;
  pid: number;
  /** epoch ms (the holder's clock) when it acquired the lease */
  since: number;
}

export type AcquireResult = { held: true; revision: number; ttlMs: number; reclaimed: boolean } | { held: false; by: LeaseValue | undefined; ttlMs: number };

/** The lease port the gateway-lease actor uses (one key). */
export interface LeaseStore {
  acquire(value: LeaseValue): Promise<AcquireResult>;
  /** the new revision; rejects when the key is no longer at `revision` or NATS does not answer within `timeoutMs` */
  renew(value: LeaseValue, revision: number, timeoutMs: number): Promise<number>;
  /** deletes the key if it is still at `revision`; never throws (the TTL removes it anyway) */
  release(revision: number): Promise<void>;
}

const leaseKey = (account: string) => `gateway.${account}`;

/**
 * As `admin`: creates the bucket with `ttlMs` as its max_age and `replicas` (FAKEOUT_STREAM_REPLICAS,
 * as for the streams and the config bucket: a lease on one node of a cluster would die with it and
 * strand both gateways), or sets them when the bucket has others.
 */
export async function ensureLeaseBucket(adminNc: NatsConnection, ttlMs: number, replicas = 1): Promise<void> {
  try {
    const kv = await new Kvm(adminNc).create(LEASE_BUCKET, { history: 1, ttl: ttlMs, replicas });
    const status = await kv.status();
    const jsm = await jetstreamManager(adminNc);
    const { config } = await jsm.streams.info(`KV_${LEASE_BUCKET}`);
    if (status.ttl !== ttlMs || config.num_replicas !== replicas) {
      // the duplicate window may not exceed max_age
      await jsm.streams.update(config.name, {
        ...config,
        max_age: nanos(ttlMs),
        duplicate_window: Math.min(config.duplicate_window, nanos(ttlMs)),
        num_replicas: replicas,
      });
    }
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `lease bucket ${LEASE_BUCKET}: could not create it or set its TTL: ${errorText(err)}`, {
      cause: err, details: { field: 'FAKEOUT_GATEWAY_LEASE_TTL' },
    });
  }
}

const wrongRevision = (err: unknown): boolean =>
  err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/** The lease of `account` over a `gateway` connection. The bucket must exist (created by admin at start). */
export function leaseStore(nc: NatsConnection, account: string): LeaseStore {
  const key = leaseKey(account);
  let opened: Promise<KV> | undefined;
  const kv = async (): Promise<KV> => {
    opened ??= new Kvm(nc).open(LEASE_BUCKET);
    try {
      return await opened;
    } catch (err) {
      opened = undefined;
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `lease bucket ${LEASE_BUCKET} is missing; start a gateway once with the admin NATS password set to create it: ${errorText(err)}`, {
        cause: err, details: { field: 'FAKEOUT_NATS_ADMIN_PASSWORD' },
      });
    }
  };
  const ttlOf = async (b: KV) => (await b.status()).ttl;
  return {
    async acquire(value) {
      const b = await kv();
      const ttlMs = await ttlOf(b);
      try {
        return { held: true, revision: await b.create(key, JSON.stringify(value)), ttlMs, reclaimed: false };
      } catch (err) {
        if (!wrongRevision(err)) throw err;
      }
      const now = await b.get(key);
      const by = now === null || now.operation !== 'PUT' ? undefined : (now.json() as LeaseValue);
      // POLICY: only this host and data directory's own lease is reclaimed at once. The data
      // directory lock guarantees its previous holder is dead; anyone else's waits for the TTL.
      if (now !== null && by?.holder === value.holder) {
        try {
          return { held: true, revision: await b.update(key, JSON.stringify(value), now.revision), ttlMs, reclaimed: true };
        } catch (err) {
          if (!wrongRevision(err)) throw err;
        }
      }
      return { held: false, by, ttlMs };
    },
    async renew(value, revision, timeoutMs) {
      return (await kv()).update(key, JSON.stringify(value), revision, timeoutMs);
    },
    async release(revision) {
      try {
        await (await kv()).delete(key, { previousSeq: revision });
      } catch {
        // someone else holds it already, or NATS is away: the TTL ends it either way
      }
    },
  };
}
