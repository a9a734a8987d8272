/**
 * publishMany keeps every subject in item order on a real nats-server even when publishes in
 * the middle of a pipelined batch are lost (what a stream leader dying under the batch does): the
 * lost ones are modelled by a client that drops chosen publishes unsent and answers a timeout
 * later, while the batch's other publishes go on to the real server. The expected order is the
 * items' own (ids carry their index), read back from the stream by sequence.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeoutError } from '@nats-io/transport-node';
import {
  chainsOf,
  jetstream,
  jetstreamManager,
  publishMany,
  type JetStreamClient,
  type JetStreamManager,
  type PublishItem,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { startTestNats, type TestNats } from '../helpers/nats-server.ts';

const s = suite('ordered publish');
let t: TestNats;
let js: JetStreamClient;
let jsm: JetStreamManager;
let confDir = '';
let streamNo = 0;

s.before(async () => {
  // A server without users: the test owns its streams.
  confDir = await mkdtemp(join(tmpdir(), 'fakeout-ordered-publish-'));
  await writeFile(join(confDir, 'open.conf'), 'jetstream {\n}\n');
  t = await startTestNats({ configFile: join(confDir, 'open.conf') });
  const nc = await t.connect();
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
});
s.after(async () => {
  await t?.cleanup();
  await rm(confDir, { recursive: true, force: true });
});

/** A fresh stream `S<n>` capturing `s<n>.>`; returns its name and subject prefix. */
async function freshStream(): Promise<{ name: string; prefix: string }> {
  streamNo++;
  const name = `S${streamNo}`;
  await jsm.streams.add({ name, subjects: [`s${streamNo}.>`], storage: 'file', num_replicas: 1, duplicate_window: 120e9 });
  return { name, prefix: `s${streamNo}` };
}

/** The ids stored in the stream, in stream order. */
async function storedIds(stream: string): Promise<string[]> {
  const info = await jsm.streams.info(stream);
  const ids: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (m) ids.push(m.header?.get('Nats-Msg-Id') ?? '?');
  }
  return ids;
}

/**
 * The real client, except that publishes whose msgID `drop` picks never leave: each answers a
 * timeout 30 ms later, as a publish to a leader that just died does, while the rest go on.
 */
function lossy(real: JetStreamClient, drop: (msgId: string) => boolean): { client: JetStreamClient; dropped: string[] } {
  const dropped: string[] = [];
  const client = new Proxy(real, {
    get(target, prop) {
      if (prop === 'publish') {
        return async (subject: string, data: Uint8Array, opts?: { msgID?: string }) => {
          const id = opts?.msgID ?? '';
          if (drop(id)) {
            dropped.push(id);
            await new Promise((r) => setTimeout(r, 30));
            throw new TimeoutError();
          }
          return target.publish(subject, data, opts as never);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { client, dropped };
}

const itemsOn = (subject: string, tag: string, n: number): PublishItem[] =>
  Array.from({ length: n }, (_, i) => ({ subject, id: `${tag}-${i}`, value: { i } }));

s('publishes lost in the middle of a pipelined batch are refused after, not stored out of turn; a retry of the batch completes it in order', async () => {
  const { name, prefix } = await freshStream();
  const subject = `${prefix}.BTC`;
  // a warm-up batch: the client learns the stream and its last sequence (the steady state)
  await publishMany(js, itemsOn(subject, 'warm', 10));
  const batch = itemsOn(subject, 'b', 600);
  // items 200..209 are lost once each (a leader election): the retry of the batch gets them through
  const lostOnce = new Set(Array.from({ length: 10 }, (_, i) => `b-${200 + i}`));
  const { client, dropped } = lossy(js, (id) => lostOnce.delete(id));
  // the lossy client shares the real client's knowledge of its streams, as one client would
  Object.assign(chainsOf(client), chainsOf(js));
  const acks = await publishMany(client, batch).catch((e: unknown) => e);
  assert.ok(dropped.includes('b-200'), 'the fault was injected');
  if (acks instanceof Error) {
    assert.ok(isFakeoutError(acks, 'FAKEOUT_ERR_NATS_PUBLISH'), String(acks));
    await publishMany(client, batch); // the caller's retry (a stage redoing its batch)
  }
  const expected = [...itemsOn(subject, 'warm', 10), ...batch].map((x) => x.id);
  assert.equal(await storedIds(name), expected);
});

s('a stream someone else writes too goes one publish at a time and still stores each subject in order', async () => {
  const { name, prefix } = await freshStream();
  const other = jetstream(await t.connect());
  await publishMany(js, itemsOn(`${prefix}.A`, 'warm', 5));
  // another writer moves the stream between our batches (so our next expectation misses) and during them
  await publishMany(other, itemsOn(`${prefix}.X`, 'x0', 1));
  const theirs = publishMany(other, itemsOn(`${prefix}.X`, 'x', 400));
  const ours = publishMany(js, [...itemsOn(`${prefix}.A`, 'a', 400)]);
  await Promise.all([theirs, ours]);
  assert.ok((chainsOf(js).streams.get(name)?.perSubjectUntil ?? 0) > Date.now(), 'the stream is in one-at-a-time mode');
  // a lost publish in one-at-a-time mode holds back the items after it
  const lostOnce = new Set(['b-50']);
  const { client } = lossy(js, (id) => lostOnce.delete(id));
  Object.assign(chainsOf(client), chainsOf(js));
  const mixed = [...itemsOn(`${prefix}.A`, 'b', 100), ...itemsOn(`${prefix}.B`, 'c', 100)].sort((p, q) => Number(p.id.split('-')[1]) - Number(q.id.split('-')[1]));
  await publishMany(client, mixed).catch(() => publishMany(client, mixed));
  const stored = await storedIds(name);
  const order = (tag: string) => stored.filter((id) => id.startsWith(`${tag}-`));
  const ids = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  assert.equal(order('a'), ids('a', 400));
  assert.equal(order('x'), ids('x', 400));
  assert.equal(order('b'), ids('b', 100));
  assert.equal(order('c'), ids('c', 100));
  assert.is(stored.length, 5 + 1 + 400 + 400 + 200);
});

/** The real client, counting the publishes that carry no expectation (the ones sent alone or one at a time). */
function counting(real: JetStreamClient): { client: JetStreamClient; plain: string[] } {
  const plain: string[] = [];
  const client = new Proxy(real, {
    get(target, prop) {
      if (prop === 'publish') {
        return (subject: string, data: Uint8Array, opts?: { msgID?: string; expect?: unknown }) => {
          if (opts?.expect === undefined) plain.push(opts?.msgID ?? '?');
          return target.publish(subject, data, opts as never);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { client, plain };
}

s('new subjects of a stream the client writes go pipelined in its chain, not one alone each, and land in item order', async () => {
  const { name, prefix } = await freshStream();
  await publishMany(js, itemsOn(`${prefix}.A`, 'warm', 3));
  const { client, plain } = counting(js);
  Object.assign(chainsOf(client), chainsOf(js));
  // 40 subjects never published before, interleaved with the known one
  const batch = Array.from({ length: 80 }, (_, i) => ({ subject: i % 2 === 0 ? `${prefix}.A` : `${prefix}.NEW${i}`, id: `n-${i}`, value: { i } }));
  await publishMany(client, batch);
  assert.equal(plain, [], 'every publish carried the chain expectation');
  assert.equal(await storedIds(name), [...itemsOn(`${prefix}.A`, 'warm', 3), ...batch].map((x) => x.id));
});

s('a wrong guess (two streams under one first token) is refused by the server and stored in order after all', async () => {
  streamNo++;
  const head = `s${streamNo}`;
  await jsm.streams.add({ name: `P${streamNo}`, subjects: [`${head}.p.>`], storage: 'file', num_replicas: 1, duplicate_window: 120e9 });
  await jsm.streams.add({ name: `Q${streamNo}`, subjects: [`${head}.q.>`], storage: 'file', num_replicas: 1, duplicate_window: 120e9 });
  await publishMany(js, itemsOn(`${head}.p.x`, 'pw', 2)); // the head now points at P
  const batch = Array.from({ length: 60 }, (_, i) => ({ subject: i % 3 === 0 ? `${head}.q.y` : `${head}.p.x`, id: `w-${i}`, value: { i } }));
  await publishMany(js, batch);
  assert.equal(await storedIds(`P${streamNo}`), [...itemsOn(`${head}.p.x`, 'pw', 2), ...batch.filter((x) => x.subject.includes('.p.'))].map((x) => x.id));
  assert.equal(await storedIds(`Q${streamNo}`), batch.filter((x) => x.subject.includes('.q.')).map((x) => x.id));
});

s('a batch repeated after it landed is all duplicates, and new items after it land in order', async () => {
  const { name, prefix } = await freshStream();
  const first = itemsOn(`${prefix}.A`, 'a', 300);
  await publishMany(js, first);
  const again = await publishMany(js, [...first, ...itemsOn(`${prefix}.A`, 'n', 50)]);
  assert.ok(again.slice(0, 300).every((a) => a.duplicate));
  assert.ok(again.slice(300).every((a) => !a.duplicate));
  assert.equal(await storedIds(name), [...first, ...itemsOn(`${prefix}.A`, 'n', 50)].map((x) => x.id));
});

s('a publish that keeps failing is thrown naming its index; the items before it are stored, none after', async () => {
  const { name, prefix } = await freshStream();
  await publishMany(js, itemsOn(`${prefix}.A`, 'warm', 3));
  const { client } = lossy(js, (id) => id === 'a-40'); // lost every time
  Object.assign(chainsOf(client), chainsOf(js));
  try {
    await publishMany(client, itemsOn(`${prefix}.A`, 'a', 100));
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_PUBLISH'), String(err));
    assert.is(err.info.index, 40);
    assert.is(err.info.total, 100);
    assert.is(err.info.reason, 'timeout');
  }
  assert.equal(await storedIds(name), [...itemsOn(`${prefix}.A`, 'warm', 3), ...itemsOn(`${prefix}.A`, 'a', 40)].map((x) => x.id));
});

s.run();
