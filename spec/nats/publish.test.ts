import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyTopology,
  jetstream,
  jetstreamManager,
  jsonBytes,
  publishJson,
  publishMany,
  streamInfo,
  type JetStreamClient,
  type JetStreamManager,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { startTestJetStream, startTestNats, type TestNats } from '../helpers/nats-server.ts';

const s = suite('nats publish');
let t: TestNats;
let js: JetStreamClient;
let ingest: JetStreamClient;
let open: TestNats;
let openJs: JetStreamClient;
let openJsm: JetStreamManager;
let confDir = '';
let jsm: JetStreamManager;

s.before(async () => {
  ({ t, js, jsm, ingest } = await startTestJetStream());
  // A server without users, so a subject no stream captures is a JetStream answer, not a permission error.
  confDir = await mkdtemp(join(tmpdir(), 'fakeout-nats-conf-'));
  await writeFile(join(confDir, 'open.conf'), 'jetstream {\n}\n');
  open = await startTestNats({ configFile: join(confDir, 'open.conf') });
  const openNc = await open.connect();
  await applyTopology(openNc);
  openJs = jetstream(openNc);
  openJsm = await jetstreamManager(openNc);
});
s.after(async () => {
  await t?.cleanup();
  await open?.cleanup();
  await rm(confDir, { recursive: true, force: true });
});

s('the same msgId published twice is stored once and the second ack is flagged duplicate', async () => {
  const first = await publishJson(ingest, 'raw.tv.AAPL', 'evt-1', { price: 1 });
  const second = await publishJson(ingest, 'raw.tv.AAPL', 'evt-1', { price: 1 });
  assert.equal(first, { seq: 1, duplicate: false });
  assert.equal(second, { seq: 1, duplicate: true });
  assert.equal(await streamInfo(jsm, 'RAW'), { messages: 1, lastSeq: 1 });
});

s('publishMany of 5,000 items gets 5,000 acks with strictly increasing sequences in item order', async () => {
  const before = await streamInfo(jsm, 'BARS');
  const items = Array.from({ length: 5_000 }, (_, i) => ({ subject: `bars.AAPL.1m`, id: `bar-${i}`, value: { i } }));
  const acks = await publishMany(js, items);
  assert.is(acks.length, 5_000);
  assert.ok(acks.every((a) => !a.duplicate));
  for (let i = 1; i < acks.length; i++) {
    assert.ok((acks[i]?.seq ?? 0) > (acks[i - 1]?.seq ?? Infinity), `seq at ${i}`);
  }
  assert.is(acks[0]?.seq, before.lastSeq + 1);
  assert.equal(await streamInfo(jsm, 'BARS'), { messages: before.messages + 5_000, lastSeq: before.lastSeq + 5_000 });
});

s('publishMany repeated with the same ids stores nothing new', async () => {
  const items = Array.from({ length: 300 }, (_, i) => ({ subject: 'scores.AAPL.1m', id: `score-${i}`, value: i }));
  await publishMany(js, items);
  const again = await publishMany(js, items);
  assert.ok(again.every((a) => a.duplicate));
  assert.is((await streamInfo(jsm, 'SCORES')).messages, 300);
});

s('a subject no stream captures fails with FAKEOUT_ERR_NATS_PUBLISH, reason no-stream', async () => {
  try {
    await publishJson(openJs, 'nowhere.at.all', 'a-1', {});
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_PUBLISH'), String(err));
    assert.is(err.info.reason, 'no-stream');
    assert.ok(err.cause instanceof Error);
  }
});

s('publishMany stops at the first item that cannot be published: the items before it are stored, none after it', async () => {
  const items = [
    { subject: 'signals.AAPL', id: 'sig-ok-1', value: 1 },
    { subject: 'nowhere.at.all', id: 'bad', value: 2 },
    { subject: 'signals.AAPL', id: 'sig-ok-2', value: 3 },
  ];
  try {
    await publishMany(openJs, items);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_PUBLISH'), String(err));
    assert.is(err.info.index, 1);
    assert.is(err.info.total, 3);
    assert.is(err.info.reason, 'no-stream');
  }
  assert.is((await streamInfo(openJsm, 'SIGNALS')).messages, 1);
});

s('jsonBytes is the UTF-8 of the JSON text; undefined is an empty body', () => {
  // written by hand: {"a":"é","n":1} with 'é' as c3 a9
  assert.equal([...jsonBytes({ a: 'é', n: 1 })], [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0xa9, 0x22, 0x2c, 0x22, 0x6e, 0x22, 0x3a, 0x31, 0x7d]);
  assert.is(jsonBytes(undefined).length, 0);
});

s.run();
