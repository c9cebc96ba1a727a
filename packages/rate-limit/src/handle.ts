import type { HeadersInput } from '@brace/core';
import type { Limiter } from './limiter.js';
import { readServerPause } from './observe.js';
import type { PauseReason, RateLimitPolicy } from './store.js';
import { validatePolicies } from './store.js';
import {
  DEFAULT_KEY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_PARTITION,
  type ObserveOptions,
  type ObserveResult,
  type RateLimiter,
  type RateLimiterStats,
  type Release,
  type ScheduleContext,
  type ScheduleOptions,
} from './types.js';
import { statsOf } from './util.js';

/**
 * @internal The public face of a limiter ({@link RateLimiter}): argument handling and the
 * queue's lifecycle (pause, resume, clear, idle waits, policy updates) over the dispatch
 * engine.
 */
export class LimiterHandle implements RateLimiter {
  constructor(private readonly engine: Limiter) {}

  get policies(): readonly RateLimitPolicy[] {
    return this.engine.userPolicies;
  }

  get size(): number {
    return this.engine.queued;
  }

  get pending(): number {
    return this.engine.running;
  }

  get isPaused(): boolean {
    return this.engine.paused;
  }

  schedule<T>(
    fn: (context: ScheduleContext) => T | PromiseLike<T>,
    options?: ScheduleOptions,
  ): Promise<Awaited<T>> {
    return this.engine.submit(fn, options) as Promise<Awaited<T>>;
  }

  acquire(options?: ScheduleOptions): Promise<Release> {
    return this.engine.submit(undefined, options) as Promise<Release>;
  }

  observe(input: Response | HeadersInput, options?: ObserveOptions): ObserveResult | undefined {
    const engine = this.engine;
    const found = readServerPause(
      input,
      engine.clock.now(),
      engine.opts.partition ?? DEFAULT_PARTITION,
      options?.key,
    );
    if (found === undefined) return undefined;
    const durationMs = Math.min(found.durationMs, engine.opts.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS);
    engine.pauseKey(found.key, durationMs, found.reason);
    return { key: found.key, durationMs, reason: found.reason };
  }

  pause(key?: string, durationMs?: number, reason: PauseReason = 'retry-after'): void {
    const engine = this.engine;
    if (key === undefined) {
      engine.paused = true;
      return;
    }
    if (!((durationMs as number) > 0)) return;
    const duration = Math.min(durationMs as number, engine.opts.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS);
    engine.pauseKey(key, duration, reason);
  }

  resume(): void {
    if (!this.engine.paused) return;
    this.engine.paused = false;
    this.engine.drain();
  }

  clear(): number {
    return this.engine.clearQueued();
  }

  onEmpty(): Promise<void> {
    return this.engine.whenEmpty();
  }

  onIdle(): Promise<void> {
    return this.engine.whenIdle();
  }

  updatePolicies(policies: readonly RateLimitPolicy[]): void {
    this.engine.setPolicies(validatePolicies(policies));
  }

  stats(): RateLimiterStats {
    const engine = this.engine;
    return statsOf(engine.queued, engine.running, engine.keyState(DEFAULT_KEY), engine.keys);
  }
}
