/**
 * Writes a backtest's report into a directory: `report.json` (`{ meta, summary, trades, signals,
 * equity, series }`) and the self-contained `report.html` (docs/research.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BacktestResult } from './backtest-result.ts';
import { summarize, type BacktestSummary } from './metrics.ts';
import { renderReportHtml } from './report-html.ts';

export interface ReportFiles {
  /** absolute paths */
  json: string;
  html: string;
  summary: BacktestSummary;
}

/** Creates `dir` (and its parents) and writes both files; returns their absolute paths and the summary. */
export async function writeReport(dir: string, result: BacktestResult): Promise<ReportFiles> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const summary = summarize(result);
  const json = join(root, 'report.json');
  const html = join(root, 'report.html');
  const { meta, trades, signals, equity, series } = result;
  await writeFile(json, `${JSON.stringify({ meta, summary, trades, signals, equity, series }, null, 2)}\n`);
  await writeFile(html, renderReportHtml(result, summary));
  return { json, html, summary };
}
