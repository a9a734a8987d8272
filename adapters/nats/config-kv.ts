/**
 * The governed config in the JetStream KV bucket `config` (docs/config.md): key `current` holds
 * the version in force (JSON `GovernedVersion`), its history the versions before. Only `admin`
 * may write it (nats.conf); the stages read it at each batch with their own users
 * (`$JS.API.DIRECT.GET.KV_config.$KV.config.current`).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeGovernedVersion, type GovernedVersion } from '../../actors/config/governed.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';

export const CONFIG_BUCKET = 'config';
export const CONFIG_KEY = 'current';
/** versions kept in the bucket's history (the table config_versions keeps all of them) */
export const CONFIG_HISTORY = 64;

export interface StoredVersion {
  version: GovernedVersion;
  revision: number;
}

const unavailable = (what: string, err: unknown) =>
  new FakeoutError('FAKEOUT_ERR_CONFIG_UNAVAILABLE', `config bucket: ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });

async function readCurrent(kv: KV): Promise<StoredVersion | undefined> {
  const e = await kv.get(CONFIG_KEY);
  if (e === null || e.operation !== 'PUT') return undefined;
  return { version: decodeGovernedVersion(e.json()), revision: e.revision };
}

/**
 * As `admin`: creates the bucket when missing and seeds version 1 when it holds no version.
 * Returns the version in force (the seed only on first start: afterwards the bucket wins over the
 * environment). `replicas` (FAKEOUT_STREAM_REPLICAS) as for the streams: an existing bucket with
 * other replicas is scaled to them (its stream KV_config updated in place; applyTopology has
 * checked they fit the cluster before).
 */
export async function ensureConfigBucket(adminNc: NatsConnection, seed: () => GovernedVersion, replicas = 1): Promise<StoredVersion> {
  try {
    const kv = await new Kvm(adminNc).create(CONFIG_BUCKET, { history: CONFIG_HISTORY, replicas });
    const jsm = await jetstreamManager(adminNc);
    const stream = `KV_${CONFIG_BUCKET}`;
    const { config } = await jsm.streams.info(stream);
    if (config.num_replicas !== replicas) await jsm.streams.update(stream, { ...config, num_replicas: replicas });
    const now = await readCurrent(kv);
    if (now !== undefined) return now;
    const v = seed();
    try {
      const revision = await kv.create(CONFIG_KEY, JSON.stringify(v));
      return { version: v, revision };
    } catch (err) {
      // another process seeded it first: take theirs
      const raced = await readCurrent(kv);
      if (raced !== undefined) return raced;
      throw err;
    }
  } catch (err) {
    if (err instanceof FakeoutError) throw err;
    throw unavailable('could not create or seed it', err);
  }
}

/**
 * As `admin`: writes `next` as the new current version, only if the current revision is still
 * `expectedRevision` (a concurrent change fails instead of being overwritten).
 */
export async function writeConfigVersion(adminNc: NatsConnection, next: GovernedVersion, expectedRevision: number): Promise<number> {
  try {
    const kv = await new Kvm(adminNc).open(CONFIG_BUCKET);
    return await kv.update(CONFIG_KEY, JSON.stringify(next), expectedRevision);
  } catch (err) {
    throw unavailable('could not write the new version', err);
  }
}

/** Reads the current version with any user allowed to (the stages, ops, the CLI). */
export function configReader(nc: NatsConnection): { current(): Promise<GovernedVersion>; stored(): Promise<StoredVersion> } {
  let kv: Promise<KV> | undefined;
  const stored = async (): Promise<StoredVersion> => {
    try {
      kv ??= new Kvm(nc).open(CONFIG_BUCKET);
      const now = await readCurrent(await kv);
      if (now === undefined) throw new Error(`no key ${CONFIG_KEY}`);
      return now;
    } catch (err) {
      kv = undefined;
      if (err instanceof FakeoutError) throw err;
      throw unavailable('could not read the current version', err);
    }
  };
  return { stored, current: async () => (await stored()).version };
}
