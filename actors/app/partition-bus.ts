/**
 * The one place where published subjects get their partition token (FAKEOUT_PARTITION=i/n,
 * docs/architecture.md "Partitioned processes"): a bus whose publishes on the partitioned
 * streams (RAW, BARS, FEATURES) carry the symbol's partition as their last subject token, so the
 * partition's consumers can select them with a subject filter. Every publisher of the process
 * (replay, webhook intake, stages) goes through it; the clock's ticks, which every partition must
 * see, are published once per partition by the bar clock itself, already tokenised.
 */
import { partitionedSubject } from '../domain/partition.ts';
import type { Bus } from '../stage/ports.ts';

export function partitionedBus<B extends Bus>(bus: B, count: number | undefined): B {
  if (count === undefined) return bus;
  return { ...bus, publishMany: (items) => bus.publishMany(items.map((m) => ({ ...m, subject: partitionedSubject(m.subject, count) }))) };
}
