import type { WorkloadResult } from './harness.js';

/** What a suite is given. */
export interface SuiteContext {
  /** `--quick`: fewer rounds and shorter rounds, for a smoke run. */
  quick: boolean;
  /** `--smoke`: the smallest run that exercises every workload (implies `quick`); used by the test. */
  smoke: boolean;
  /** Rounds per workload. */
  rounds: number;
  /** Target time per round, ms. */
  roundMs: number;
  /** REDIS_URL / DATABASE_URL, or the local defaults; suites report "skipped: <reason>" when unreachable. */
  redisUrl: string;
  databaseUrl: string;
}

/** What a suite returns: its workloads and any extra Markdown (tables it renders itself). */
export interface SuiteResult {
  title: string;
  workloads: WorkloadResult[];
  /** Extra Markdown after the workload tables (simulations, precision runs, notes). */
  extra?: string;
  /** Libraries whose versions the report lists, by npm name. */
  libraries?: string[];
}

/** A suite module's default export. */
export type Suite = (ctx: SuiteContext) => Promise<SuiteResult>;
