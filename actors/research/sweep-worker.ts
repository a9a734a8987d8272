/**
 * One lane of a sweep (sweep.ts forks it with tsx): runs the in-process backtests it is sent,
 * one at a time, and answers each with its summary. The environment is the parent's.
 */
import { runBacktest } from './backtest.ts';
import { summarize } from './metrics.ts';
import type { SweepJob } from './sweep.ts';

process.on('message', (m: { type: 'job'; job: SweepJob } | { type: 'exit' }) => {
  if (m.type === 'exit') {
    process.disconnect();
    return;
  }
  const { job } = m;
  runBacktest({ files: job.files, env: process.env, params: job.params, ...(job.reportFrom === undefined ? {} : { reportFrom: job.reportFrom }) })
    .then((run) => process.send?.({ type: 'done', summary: summarize(run.result), warmupBars: run.result.meta.warmupBars, elapsedMs: run.elapsedMs }))
    .catch((err: unknown) => process.send?.({ type: 'failed', error: err instanceof Error ? err.message : String(err) }));
});
