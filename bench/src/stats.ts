/** Summary statistics over repeated rounds of one measurement. */
export interface Summary {
  min: number;
  median: number;
  max: number;
  samples: number[];
}

/** Min, median and max of a non-empty list of samples. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number, samples };
}

/** Formats an operations-per-second figure compactly (1.23M, 45.6k, 789). */
export function formatOps(ops: number): string {
  if (!Number.isFinite(ops)) return String(ops);
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)}M`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)}k`;
  return ops.toFixed(ops >= 100 ? 0 : 1);
}

/** Formats a duration given in nanoseconds per operation (µs with 3 significant figures). */
export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
