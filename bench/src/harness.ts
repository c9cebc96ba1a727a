import { formatNs, formatOps, type Summary, summarize } from './stats.js';

/** One contender in a workload: a name and an operation to repeat. */
export interface Contender {
  name: string;
  /** Runs one operation (sync or async). */
  fn: () => unknown;
  /** Optional: runs `n` operations at once (faster for sub-µs work; no per-call await). */
  batch?: (n: number) => unknown;
}

/** Result of one contender in a workload. */
export interface ContenderResult {
  name: string;
  /** Operations per second, over rounds. */
  ops: Summary;
  /** Nanoseconds per operation (median-based). */
  nsPerOp: number;
}

/** Result of one workload: every contender, measured interleaved in the same process. */
export interface WorkloadResult {
  suite: string;
  workload: string;
  /** The contender ratios are relative to (normally Brace). */
  baseline: string;
  results: ContenderResult[];
  note?: string;
}

/** Options for {@link compare}. */
export interface CompareOptions {
  /** Rounds per contender (interleaved round-robin so machine noise hits all alike). */
  rounds: number;
  /** Target time per round, in ms. */
  roundMs: number;
  /** Name of the contender ratios are relative to; defaults to the first. */
  baseline?: string;
  note?: string;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

async function calibrate(c: Contender, targetMs: number): Promise<number> {
  let n = 1;
  for (;;) {
    const t0 = now();
    await runN(c, n);
    const dt = now() - t0;
    if (dt >= targetMs / 4 || n >= 1 << 26)
      return Math.max(1, Math.round((n * targetMs) / Math.max(dt, 0.001)));
    n *= 4;
  }
}

async function runN(c: Contender, n: number): Promise<void> {
  if (c.batch) {
    const r = c.batch(n);
    if (r instanceof Promise) await r;
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = c.fn();
    if (r instanceof Promise) await r;
  }
}

/**
 * Measures every contender for `rounds` rounds, interleaved, and returns ops/s summaries.
 * Each round of each contender runs a calibrated number of operations (about `roundMs`).
 */
export async function compare(
  suite: string,
  workload: string,
  contenders: Contender[],
  options: CompareOptions,
): Promise<WorkloadResult> {
  const counts = new Map<string, number>();
  for (const c of contenders) {
    await runN(c, 16); // warm up
    counts.set(c.name, await calibrate(c, options.roundMs));
  }
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no contender always runs first (JIT, GC, thermal).
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length] as Contender;
      const n = counts.get(c.name) as number;
      const t0 = now();
      await runN(c, n);
      const dt = now() - t0;
      samples.get(c.name)?.push((n / dt) * 1000);
    }
  }
  const results = contenders.map((c) => {
    const ops = summarize(samples.get(c.name) as number[]);
    return { name: c.name, ops, nsPerOp: 1e9 / ops.median };
  });
  return {
    suite,
    workload,
    baseline: options.baseline ?? (contenders[0] as Contender).name,
    results,
    ...(options.note ? { note: options.note } : {}),
  };
}

/** Ratio of a contender's median ops/s to the baseline's (>1 means faster than baseline). */
export function ratio(result: WorkloadResult, name: string, to = result.baseline): number {
  const a = result.results.find((r) => r.name === name);
  const b = result.results.find((r) => r.name === to);
  if (!a || !b) throw new Error(`ratio: unknown contender ${!a ? name : to} in ${result.workload}`);
  return a.ops.median / b.ops.median;
}

/** Renders a workload as a Markdown table. */
export function workloadTable(w: WorkloadResult): string {
  const base = w.results.find((r) => r.name === w.baseline);
  const lines = [
    `#### ${w.workload}`,
    '',
    ...(w.note ? [w.note, ''] : []),
    '| library | ops/s (median) | per op | min | max | vs ' + w.baseline + ' |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of w.results) {
    const rel = base ? r.ops.median / base.ops.median : Number.NaN;
    lines.push(
      `| ${r.name} | ${formatOps(r.ops.median)} | ${formatNs(r.nsPerOp)} | ${formatOps(r.ops.min)} | ${formatOps(r.ops.max)} | ${rel.toFixed(2)}× |`,
    );
  }
  return lines.join('\n');
}

/** This process's CPU time (user + system), in µs. */
const cpuNow = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

/** Options of the paired rounds ({@link pairedRatios}). */
export interface PairedOptions {
  rounds: number;
  n: number;
  /** Charge each side this process's CPU time (user + system, every thread), not the wall clock. */
  cpu?: boolean;
  /** Run before each side's timed run, untimed (e.g. settling the heap). */
  before?: () => Promise<void> | void;
}

/**
 * Paired rounds: each round times `n` operations of `a` and of `b` back to back (the order
 * alternates) and records time(b) ÷ time(a), the throughput of `a` relative to `b` in that
 * round. Returns every round's ratio, sorted (one warm-up run of each side is not kept).
 */
export async function pairedRatios(
  a: () => unknown,
  b: () => unknown,
  options: PairedOptions,
): Promise<number[]> {
  const clock = options.cpu ? cpuNow : now;
  const time = async (fn: () => unknown) => {
    await options.before?.();
    const t0 = clock();
    for (let i = 0; i < options.n; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    return clock() - t0;
  };
  await time(a); // warm up
  await time(b);
  const ratios: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    let ta: number;
    let tb: number;
    if (round % 2 === 0) {
      ta = await time(a);
      tb = await time(b);
    } else {
      tb = await time(b);
      ta = await time(a);
    }
    // A side too short for the clock to see (smoke runs) counts as even.
    ratios.push(ta > 0 ? tb / ta : 1);
  }
  return ratios.sort((x, y) => x - y);
}

/**
 * The median of {@link pairedRatios}: noise that hits a whole round cancels in the pair,
 * which suits "costs nothing" claims better than a ratio of two independent medians.
 * `cpu: true` charges each side this process's CPU time instead of the wall clock.
 */
export async function pairedRatio(
  a: () => unknown,
  b: () => unknown,
  options: PairedOptions,
): Promise<number> {
  const ratios = await pairedRatios(a, b, options);
  return ratios[ratios.length >> 1] as number;
}

/**
 * Paired CPU-time difference, in ns per operation: each round runs `n` operations of `a`
 * and of `b` back to back (the order alternates) and records (cpu(a) − cpu(b)) ÷ n, where
 * cpu() is the process's CPU time (user + system, every thread: GC included). Returns the
 * median over rounds and the rounds themselves. Time the process spends waiting for a core
 * that another process holds is not counted, so on a shared machine it is far steadier than
 * the wall clock; it suits in-process, CPU-bound contenders (no I/O wait) only.
 */
export async function pairedCpuDifference(
  a: () => unknown,
  b: () => unknown,
  options: { rounds: number; n: number },
): Promise<{ medianNs: number; rounds: number[] }> {
  const cpu = async (fn: () => unknown) => {
    const start = process.cpuUsage();
    for (let i = 0; i < options.n; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / options.n;
  };
  await cpu(a); // warm up
  await cpu(b);
  const rounds: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    if (round % 2 === 0) {
      const ta = await cpu(a);
      rounds.push(ta - (await cpu(b)));
    } else {
      const tb = await cpu(b);
      rounds.push((await cpu(a)) - tb);
    }
  }
  const sorted = [...rounds].sort((x, y) => x - y);
  return { medianNs: sorted[sorted.length >> 1] as number, rounds };
}
