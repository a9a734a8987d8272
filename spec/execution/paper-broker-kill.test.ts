/**
 * The paper broker killed mid-call (the gateway process SIGKILLed): every store write before the
 * kill stands, nothing after it happens, and a new broker opened on the same store, given what the
 * stages give it after a restart (the uncommitted batch of bars again, the same placement again),
 * must end with the same fills as a broker that was never killed. Same bars and order as
 * paper-broker-bracket.test.ts: the entry fills on bar 1, the bracket exits at the target on bar 2.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_COST_MODEL } from '../../actors/execution/index.ts';
import { MemoryPaperBrokerStore, PaperBroker, type BrokerFill, type PaperBrokerStore } from '../../adapters/broker/index.ts';
import { BARS, ORDER } from './bracket-fixture.ts';

const s = suite('paper broker killed mid-call');

/** A store whose process dies once `dies(method, args)` says so after a call: that call's write stands, every later call fails. */
function dyingStore(inner: PaperBrokerStore, dies: (method: string, args: unknown[]) => boolean): PaperBrokerStore {
  let dead = false;
  return new Proxy(inner, {
    get(target, prop) {
      const f = Reflect.get(target, prop) as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        if (dead) throw new Error('killed');
        const out = await f.apply(target, args);
        if (dies(String(prop), args)) dead = true;
        return out;
      };
    },
  });
}

const open = (store: PaperBrokerStore) => PaperBroker.open({
  store, costModel: { ...DEFAULT_COST_MODEL, noiseBps: 0 }, clock: { now: () => 0 },
  storedBars: async (_sym, _tf, from, to) => BARS.filter((x) => x.openTime >= from && x.openTime <= to),
});
async function killed(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    assert.is((err as Error).message, 'killed');
    return;
  }
  assert.unreachable('the call should have died with its process');
}
const strip = (f: BrokerFill) => ({ ...f, cursor: undefined });
const fillsOf = async (b: PaperBroker) => (await b.fills()).fills.map(strip);

/** Never killed: placed, then the bars. */
async function reference(): Promise<ReturnType<typeof strip>[]> {
  const b = await open(new MemoryPaperBrokerStore());
  await b.placeOrder(ORDER);
  await b.onBars(BARS);
  const f = await fillsOf(b);
  assert.equal(f.map((x) => x.clientOrderId), [ORDER.clientOrderId, ORDER.bracket!.exitClientOrderId]);
  return f;
}
const entryFilled = (method: string, args: unknown[]) => method === 'recordFill' && args[0] === ORDER.clientOrderId;

s('killed right after the entry fill of a batch of bars: the restarted broker still runs the bracket', async () => {
  const want = await reference();
  const store = new MemoryPaperBrokerStore();
  const first = await open(dyingStore(store, entryFilled));
  await first.placeOrder(ORDER);
  await killed(() => first.onBars(BARS));
  const second = await open(store);
  await second.onBars(BARS); // the paper-broker stage re-applies its uncommitted batch
  assert.equal(await fillsOf(second), want);
});

s('killed inside a catch-up after the entry fill: the re-placement (a duplicate) finishes the catch-up', async () => {
  const want = await reference();
  const store = new MemoryPaperBrokerStore();
  const first = await open(dyingStore(store, entryFilled));
  await first.onBars(BARS);
  await killed(() => first.placeOrder(ORDER));
  const second = await open(store);
  const again = await second.placeOrder(ORDER); // the gateway re-runs its effect
  assert.is(again.ok ? 'ok' : again.rejection.reason, 'duplicate_client_order_id');
  assert.equal(await fillsOf(second), want);
});

s('killed between accepting the order and catching it up: the re-placement catches it up', async () => {
  const want = await reference();
  const store = new MemoryPaperBrokerStore();
  const first = await open(dyingStore(store, (m) => m === 'insertOrder'));
  await first.onBars(BARS);
  await killed(() => first.placeOrder(ORDER));
  const second = await open(store);
  const again = await second.placeOrder(ORDER);
  assert.is(again.ok ? 'ok' : again.rejection.reason, 'duplicate_client_order_id');
  assert.equal(await fillsOf(second), want);
});

s.run();
