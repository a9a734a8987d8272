/**
 * Lists of IP addresses and CIDR ranges (`52.89.214.238,10.0.0.0/8,2001:db8::/32`), as
 * `FAKEOUT_WEBHOOK_ALLOW_IPS` and `FAKEOUT_TRUST_PROXY` take them. Parsing and matching are pure
 * (node:net's `BlockList`, no I/O), so config validation and the webhook's guard share one
 * reading of an entry.
 *
 * WHY here and not in adapters/http: loadConfig (this folder) must refuse a malformed entry at
 * start, and domain code imports no adapter; the webhook route imports this instead.
 */
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** `::ffff:1.2.3.4` (IPv4-mapped IPv6, what a dual-stack socket reports for an IPv4 peer). */
const MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** An address as the rules see it: IPv4-mapped IPv6 becomes the IPv4 address it carries. */
function unmapped(address: string): { address: string; family: Family } | undefined {
  const m = MAPPED.exec(address);
  const plain = m ? m[1]! : address;
  const v = isIP(plain);
  if (v === 4) return { address: plain, family: 'ipv4' };
  if (v === 6) return { address: plain, family: 'ipv6' };
  return undefined;
}

/** Adds one entry to `list`; throws a plain Error naming the entry (the caller names the variable). */
function addEntry(list: BlockList, entry: string): void {
  const bad = (why: string): never => {
    throw new Error(`${JSON.stringify(entry)} is not an IPv4/IPv6 address or CIDR (${why})`);
  };
  if (entry === '') bad('an empty entry: two commas in a row or a trailing comma');
  const slash = entry.indexOf('/');
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  const ip = unmapped(addressText);
  if (ip === undefined) bad('not an address');
  if (slash < 0) {
    list.addAddress(ip!.address, ip!.family);
    return;
  }
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) bad('the prefix length must be a whole number');
  let prefix = Number(prefixText);
  // A mapped range `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8.
  if (ip!.family === 'ipv4' && addressText !== ip!.address) {
    if (prefix < 96) bad('a prefix shorter than /96 on an IPv4-mapped address');
    prefix -= 96;
  }
  const max = ip!.family === 'ipv4' ? 32 : 128;
  if (prefix > max) bad(`the prefix length must be 0..${max}`);
  list.addSubnet(ip!.address, prefix, ip!.family);
}

/**
 * The entries of a comma-separated list, trimmed, each checked; throws a plain Error naming the
 * first bad entry. An empty or blank `spec` is an empty list.
 */
export function parseAddressList(spec: string): readonly string[] {
  if (spec.trim() === '') return Object.freeze([]);
  const entries = spec.split(',').map((e) => e.trim());
  const probe = new BlockList();
  for (const e of entries) addEntry(probe, e);
  return Object.freeze(entries);
}

/** Whether an address is in a list. */
export interface AddressList {
  /** the entries as given (trimmed) */
  readonly entries: readonly string[];
  /** true when `address` (IPv4, IPv6 or IPv4-mapped IPv6) is one of the addresses or in one of the ranges; false for anything not an address */
  has(address: string | undefined): boolean;
}

/** Builds the matcher for `entries` (each checked as {@link parseAddressList} does; throws on a bad one). */
export function addressList(entries: readonly string[]): AddressList {
  const list = new BlockList();
  for (const e of entries) addEntry(list, e);
  const frozen = Object.freeze([...entries]);
  return Object.freeze({
    entries: frozen,
    has(address: string | undefined): boolean {
      if (address === undefined) return false;
      const ip = unmapped(address);
      return ip !== undefined && list.check(ip.address, ip.family);
    },
  });
}
