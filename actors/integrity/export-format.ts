/**
 * The raw archive file of `fakeout raw export` / `raw verify-export`: JSON Lines. Pure.
 *
 *   line 1      {"format":"fakeout-raw-export","version":1,"from":…,"to":…}
 *   lines 2..   one row each: {"seq","id","envelope","content_sha256","prev_sha256","row_sha256"}
 *   last line   {"manifest":{"count","firstSeq","lastSeq","firstPrevSha","lastRowSha","sha256"}}
 *
 * The rows are a contiguous piece of the `raw_events` chain, so every row links to the one
 * before it; `manifest.sha256` is the sha256 of every line before the manifest, each followed by
 * "\n". Offline, the file proves itself complete and unaltered between its ends; `lastRowSha`
 * compared with the live `raw_events` (or a later export) proves it is the real chain.
 */
import { canonicalJson, sha256Hex } from '../../adapters/db/hash-chain.ts';

export const EXPORT_FORMAT = 'fakeout-raw-export';

export interface ExportRow {
  seq: number;
  id: string;
  envelope: unknown;
  content_sha256: string;
  prev_sha256: string;
  row_sha256: string;
}

/** The file's text for `rows` (in seq order, contiguous in the chain). */
export function exportText(rows: readonly ExportRow[], range: { from: number; to: number }): string {
  const lines = [JSON.stringify({ format: EXPORT_FORMAT, version: 1, from: range.from, to: range.to })];
  for (const r of rows) lines.push(JSON.stringify({ seq: r.seq, id: r.id, envelope: r.envelope, content_sha256: r.content_sha256, prev_sha256: r.prev_sha256, row_sha256: r.row_sha256 }));
  const body = lines.map((l) => `${l}\n`).join('');
  const manifest = {
    count: rows.length,
    firstSeq: rows[0]?.seq ?? null,
    lastSeq: rows.at(-1)?.seq ?? null,
    firstPrevSha: rows[0]?.prev_sha256 ?? null,
    lastRowSha: rows.at(-1)?.row_sha256 ?? null,
    sha256: sha256Hex(body),
  };
  return `${body}${JSON.stringify({ manifest })}\n`;
}

export interface ExportCheck {
  ok: boolean;
  count: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastRowSha: string | null;
  /** `line N: what` */
  problems: string[];
}

/** Checks an archive's text: format, each row's hashes, the links, the manifest. Never throws. */
export function verifyExportText(text: string): ExportCheck {
  const problems: string[] = [];
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const parse = (i: number): Record<string, unknown> | undefined => {
    try {
      const v = JSON.parse(lines[i]!) as unknown;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    problems.push(`line ${i + 1}: not a JSON object`);
    return undefined;
  };
  const fail = (): ExportCheck => ({ ok: false, count: 0, firstSeq: null, lastSeq: null, lastRowSha: null, problems });
  if (lines.length < 2) {
    problems.push('line 1: expected a header, rows and a manifest');
    return fail();
  }
  const header = parse(0);
  if (header?.format !== EXPORT_FORMAT || header?.version !== 1) problems.push(`line 1: not a ${EXPORT_FORMAT} version 1 header`);
  const manifest = parse(lines.length - 1)?.manifest as Record<string, unknown> | undefined;
  if (manifest === undefined) {
    problems.push(`line ${lines.length}: no manifest (truncated?)`);
    return fail();
  }
  const body = lines.slice(0, -1).map((l) => `${l}\n`).join('');
  if (manifest.sha256 !== sha256Hex(body)) problems.push(`line ${lines.length}: manifest sha256 does not match the lines before it`);

  let prev: string | undefined;
  let prevSeq: number | undefined;
  const rows: ExportRow[] = [];
  for (let i = 1; i < lines.length - 1; i += 1) {
    const r = parse(i) as unknown as ExportRow | undefined;
    if (r === undefined) continue;
    rows.push(r);
    let content: string | undefined;
    try {
      content = sha256Hex(canonicalJson(r.envelope));
    } catch {
      content = undefined;
    }
    const at = `line ${i + 1} (seq ${String(r.seq)}, id ${String(r.id)})`;
    if (content !== r.content_sha256) problems.push(`${at}: content_sha256 does not match the envelope`);
    if ((r.envelope as { id?: unknown } | null)?.id !== r.id) problems.push(`${at}: id is not the envelope's`);
    if (prev !== undefined && r.prev_sha256 !== prev) problems.push(`${at}: prev_sha256 does not link to the row before`);
    if (prevSeq !== undefined && !(typeof r.seq === 'number' && r.seq > prevSeq)) problems.push(`${at}: seq not after the row before`);
    if (typeof r.prev_sha256 !== 'string' || r.row_sha256 !== sha256Hex(r.prev_sha256 + (r.content_sha256 ?? ''))) problems.push(`${at}: row_sha256 is not sha256(prev + content)`);
    prev = r.row_sha256;
    prevSeq = r.seq;
  }
  const expect = {
    count: rows.length,
    firstSeq: rows[0]?.seq ?? null,
    lastSeq: rows.at(-1)?.seq ?? null,
    firstPrevSha: rows[0]?.prev_sha256 ?? null,
    lastRowSha: rows.at(-1)?.row_sha256 ?? null,
  };
  for (const [k, v] of Object.entries(expect)) {
    if (manifest[k] !== v) problems.push(`line ${lines.length}: manifest ${k} ${JSON.stringify(manifest[k])} is not ${JSON.stringify(v)}`);
  }
  return { ok: problems.length === 0, count: rows.length, firstSeq: expect.firstSeq, lastSeq: expect.lastSeq, lastRowSha: expect.lastRowSha, problems };
}
