/**
 * The hash chain over `raw_events`. Pure: no I/O, no clock.
 *
 * Each row stores `content_sha256 = sha256(canonicalJson(envelope))`, the previous row's
 * `row_sha256` (by seq) as `prev_sha256`, and `row_sha256 = sha256(prev_sha256 + content_sha256)`
 * (the two lowercase hex strings concatenated). Changing, inserting or removing any row but the
 * last breaks the link after it, so the integrity auditor finds the first bad seq by recomputing.
 */
import * as crypto from 'node:crypto';

/** The `prev_sha256` of the first row: 64 zeros. */
export const GENESIS_SHA = '0'.repeat(64);

/**
 * JSON with object keys sorted (by UTF-16 code unit, as `Array.prototype.sort` does) at every
 * depth, no whitespace, arrays in order. Values JSON cannot hold behave as in `JSON.stringify`:
 * `undefined` members are dropped, `NaN`/`Infinity` become `null`, `toJSON` is honoured.
 *
 * Why not `JSON.stringify` alone: the envelope is read back from JSONB, which reorders keys, and
 * the hash must not depend on key order.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value);
  // POLICY: the top level must be representable; a bare `undefined` has no JSON text to hash.
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return text;
}

// The archiver's hot path (every RAW message, docs/benchmarks.md): primitives are written
// without a JSON.stringify call where the text is obvious, and parts are concatenated rather
// than collected and joined. The output is the same text as before, byte for byte.
function encode(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // what JSON.stringify writes: Number#toString for finite numbers (-0 as 0), else null
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: bigint has no JSON representation');
    case 'object':
      break;
    default:
      // undefined, functions, symbols: no JSON text, as in JSON.stringify
      return undefined;
  }
  if (value === null) return 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encode((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (encode(value[i]) ?? 'null');
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const v = encode((value as Record<string, unknown>)[key]);
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + v;
    first = false;
  }
  return out + '}';
}

/** One-shot `crypto.hash` (Node >= 20.12) skips the Hash object; `createHash` otherwise. Same digest. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Lowercase hex sha256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return oneShot !== undefined ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The three hash columns of one `raw_events` row. */
export interface ChainLink {
  content_sha256: string;
  prev_sha256: string;
  row_sha256: string;
}

/** Links `envelope` after the row whose `row_sha256` is `prevSha` ({@link GENESIS_SHA} for the first). */
export function chainRow(prevSha: string, envelope: unknown): ChainLink {
  const content = sha256Hex(canonicalJson(envelope));
  return { content_sha256: content, prev_sha256: prevSha, row_sha256: sha256Hex(prevSha + content) };
}
