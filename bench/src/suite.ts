import type { WorkloadResult } from './harness.ts';

/** What a suite is given. */
export interface SuiteContext {
  /** `--quick`: fewer rounds and shorter rounds, for a smoke run. */
  quick: boolean;
  /** Rounds per workload. */
  rounds: number;
  /** Target time per round, ms. */
  roundMs: number;
  /** REDIS_URL / DATABASE_URL when set; suites needing them report "skipped" otherwise. */
  redisUrl?: string;
  databaseUrl?: string;
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
