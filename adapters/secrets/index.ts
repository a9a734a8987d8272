/** Files that carry secrets: written owner-only. */
export * from './qr-png.ts';
export * from './vault.ts';
