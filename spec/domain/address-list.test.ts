/**
 * address-list (actors/domain/address-list.ts): the reading of FAKEOUT_WEBHOOK_ALLOW_IPS and
 * FAKEOUT_TRUST_PROXY entries. Ranges were worked out by hand: 10.0.0.0/8 is 10.0.0.0–10.255.255.255,
 * 192.168.1.128/25 is .128–.255, 2001:db8::/32 is 2001:0db8:0000:… to 2001:0db8:ffff:….
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addressList, parseAddressList } from '../../actors/domain/address-list.ts';

const s = suite('address-list');

const TRADINGVIEW = '52.89.214.238,34.212.75.30,54.218.53.128,52.32.178.7';

s('TradingView\'s four addresses are allowed, their neighbours are not', () => {
  const list = addressList(parseAddressList(TRADINGVIEW));
  for (const ip of ['52.89.214.238', '34.212.75.30', '54.218.53.128', '52.32.178.7']) assert.ok(list.has(ip), ip);
  for (const ip of ['52.89.214.239', '34.212.75.31', '54.218.53.127', '52.32.178.8', '127.0.0.1']) assert.not.ok(list.has(ip), ip);
});

s('a CIDR covers exactly its range, at both edges', () => {
  const list = addressList(parseAddressList('10.0.0.0/8,192.168.1.128/25'));
  assert.ok(list.has('10.0.0.0'));
  assert.ok(list.has('10.255.255.255'));
  assert.not.ok(list.has('11.0.0.0'));
  assert.not.ok(list.has('9.255.255.255'));
  assert.ok(list.has('192.168.1.128'));
  assert.ok(list.has('192.168.1.255'));
  assert.not.ok(list.has('192.168.1.127'));
});

s('IPv6 addresses and ranges match, in any spelling', () => {
  const list = addressList(parseAddressList('2001:db8::/32,::1'));
  assert.ok(list.has('2001:db8:ffff::1'));
  assert.ok(list.has('2001:0db8:0000:0000:0000:0000:0000:0001'));
  assert.not.ok(list.has('2001:db9::1'));
  assert.ok(list.has('::1'));
  assert.ok(list.has('0:0:0:0:0:0:0:1'));
});

s('an IPv4-mapped IPv6 address is judged by the IPv4 rules', () => {
  const list = addressList(parseAddressList('52.89.214.238,10.0.0.0/8'));
  assert.ok(list.has('::ffff:52.89.214.238'));
  assert.ok(list.has('::FFFF:10.1.2.3'));
  assert.not.ok(list.has('::ffff:52.89.214.239'));
  assert.not.ok(list.has('::ffff:11.0.0.1'));
});

s('a mapped entry is the IPv4 rule it carries (::ffff:10.0.0.0/104 is 10.0.0.0/8)', () => {
  const list = addressList(parseAddressList('::ffff:1.2.3.4,::ffff:10.0.0.0/104'));
  assert.ok(list.has('1.2.3.4'));
  assert.ok(list.has('10.200.0.1'));
  assert.not.ok(list.has('11.0.0.1'));
});

s('anything that is not an address is never in a list', () => {
  const list = addressList(parseAddressList('0.0.0.0/0'));
  assert.ok(list.has('8.8.8.8'));
  assert.not.ok(list.has(undefined));
  assert.not.ok(list.has(''));
  assert.not.ok(list.has('localhost'));
});

s('entries are trimmed; a blank list is empty', () => {
  assert.equal(parseAddressList(' 10.0.0.1 , ::1 '), ['10.0.0.1', '::1']);
  assert.equal(parseAddressList('  '), []);
  assert.equal(addressList([]).entries, []);
});

s('each malformed entry is refused, naming it', () => {
  const cases: [string, string][] = [
    ['10.0.0.1,nope', '"nope"'],
    ['10.0.0.0/33', '"10.0.0.0/33"'],
    ['2001:db8::/129', '"2001:db8::/129"'],
    ['10.0.0.0/', '"10.0.0.0/"'],
    ['10.0.0.0/-1', '"10.0.0.0/-1"'],
    ['10.0.0.0/8/8', '"10.0.0.0/8/8"'],
    ['256.1.1.1', '"256.1.1.1"'],
    ['10.0.0.1,', '""'],
    ['::ffff:10.0.0.0/8', '"::ffff:10.0.0.0/8"'],
  ];
  for (const [spec, named] of cases) {
    assert.throws(() => parseAddressList(spec), (err: Error) => err.message.includes(named), spec);
    assert.throws(() => addressList(spec.split(',')), (err: Error) => err.message.includes(named), `addressList ${spec}`);
  }
});

s.run();
