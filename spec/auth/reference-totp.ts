/** An independent RFC 4226/6238 code generator for the tests: node's HMAC-SHA1 and §5.3 truncation, nothing from otpauth. */
import { createHmac } from 'node:crypto';

/** The 6-digit code for time step `step` (RFC 6238 T) of the raw secret `seed`. */
export function referenceCode(seed: Uint8Array, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', seed).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}

/** The step a millisecond instant falls in, with the 30 s period. */
export const stepOf = (ms: number): number => Math.floor(ms / 30_000);
