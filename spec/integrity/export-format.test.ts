import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exportText, verifyExportText, type ExportRow } from '../../actors/integrity/export-format.ts';

const s = suite('raw export format (pure)');
// independent derivation: envelopes written with sorted keys, hashed with node:crypto
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
function rows(n: number): ExportRow[] {
  let prev = '0'.repeat(64);
  return Array.from({ length: n }, (_, i) => {
    const t = `{"id":"e${i + 1}","price":${100 + i}}`;
    const content = sha(t);
    const row = { seq: i + 1, id: `e${i + 1}`, envelope: JSON.parse(t), content_sha256: content, prev_sha256: prev, row_sha256: sha(prev + content) };
    prev = row.row_sha256;
    return row;
  });
}
const text = () => exportText(rows(3), { from: 0, to: 10 });

s('an export verifies, and its manifest hash is sha256 of the lines before it', () => {
  const t = text();
  const lines = t.trimEnd().split('\n');
  assert.is(lines.length, 5);
  const manifest = JSON.parse(lines[4]!).manifest;
  assert.is(manifest.sha256, sha(lines.slice(0, 4).map((l) => `${l}\n`).join('')));
  assert.equal(verifyExportText(t), { ok: true, count: 3, firstSeq: 1, lastSeq: 3, lastRowSha: rows(3)[2]!.row_sha256, problems: [] });
});

s('a changed envelope is named by line, seq and id', () => {
  const t = text().replace('"price":101', '"price":999');
  const r = verifyExportText(t);
  assert.is(r.ok, false);
  assert.ok(r.problems.includes('line 3 (seq 2, id e2): content_sha256 does not match the envelope'), r.problems.join('\n'));
  assert.ok(r.problems.some((p) => p.includes('manifest sha256')));
});

s('a removed row breaks the link and the manifest count', () => {
  const lines = text().trimEnd().split('\n');
  const r = verifyExportText([lines[0], lines[1], lines[3], lines[4]].join('\n') + '\n');
  assert.is(r.ok, false);
  assert.ok(r.problems.includes('line 3 (seq 3, id e3): prev_sha256 does not link to the row before'), r.problems.join('\n'));
  assert.ok(r.problems.some((p) => p.includes('manifest count 3 is not 2')));
});

s('a truncated file has no manifest', () => {
  const lines = text().trimEnd().split('\n');
  const r = verifyExportText(lines.slice(0, 3).join('\n') + '\n');
  assert.is(r.ok, false);
});

s.run();
