/**
 * Recognising a replay file from its name and first bytes. Lean's files have no header, so they
 * are recognised by their entry name (which also carries their date); the others by content.
 */
import { TIME_COLUMNS, findColumn, readHeader } from './csv-header.ts';
import { LEAN_QUOTE_NAME, LEAN_TRADE_NAME } from './file-names.ts';
import type { FormatName } from './replay-file.ts';

/**
 * The format of a file, or undefined when nothing matches.
 * @param fileName base name of the file, or of the entry inside a zip (`20131007_spy_Trade_Tick.csv`)
 * @param head the first few KB of the (decompressed) text
 */
export function detectFormat(fileName: string, head: string): FormatName | undefined {
  const name = fileName.split(/[\\/]/).pop() ?? fileName;
  if (LEAN_TRADE_NAME.test(name)) return 'lean-trade-tick';
  if (LEAN_QUOTE_NAME.test(name)) return 'lean-quote-tick';
  const text = head.replace(/^\uFEFF/, '');
  if (/^\s*\[\s*(\[|\])/.test(text)) return 'freqtrade-json';
  const header = readHeader(text);
  if (!header) return undefined;
  const cols = header.columns;
  if (findColumn(cols, TIME_COLUMNS) === -1) return undefined;
  if (['open', 'high', 'low', 'close'].every((c) => cols.includes(c))) return 'ohlcv-csv';
  if (cols.includes('bid') && cols.includes('ask')) return 'quote-csv';
  if (cols.includes('price')) return 'tick-csv';
  return undefined;
}
