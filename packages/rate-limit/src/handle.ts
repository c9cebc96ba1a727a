import type { HeadersInput } from '@brace/core';
import { Admission } from './admission.js';
import type { Limiter } from './limiter.js';
import { DEFAULT_BARE_429_PAUSE_MS, MAX_BARE_429_PAUSE_MS, readServerPause } from './observe.js';
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
  private readonly admission: Admission;

  constructor(private readonly engine: Limiter) {
    this.admission = new Admission(engine);
  }

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
    return this.admission.submit(fn, options) as Promise<Awaited<T>>;
  }

  acquire(options?: ScheduleOptions): Promise<Release> {
    return this.admission.submit(undefined, options) as Promise<Release>;
  }

  observe(input: Response | HeadersInput, options?: ObserveOptions): ObserveResult | undefined {
    const engine = this.engine;
    const now = engine.clock.now();
    const found = readServerPause(
      input,
      now,
      engine.opts.partition ?? DEFAULT_PARTITION,
      options?.key,
      engine.opts.shopifyLeakPerSecond,
      engine.pacer.backoffs.size > 0 || engine.pacer.adaptive !== undefined,
    );
    if (found === undefined) return undefined;
    const maxPause = engine.opts.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
    const { key, kind } = found;
    const adaptive = engine.pacer.adaptive;
    if (adaptive !== undefined && found.status !== undefined) {
      if (found.status === 429) {
        if (adaptive.onThrottle(key, now)) engine.pacer.adaptiveCut(key);
      } else if (found.status < 400) adaptive.onSuccess(key, now);
    }
    if (kind === 'ok') {
      engine.pacer.backoffs.delete(key); // a success ends the back-off
      return undefined;
    }
    if (kind === 'pace') {
      const durationMs = Math.min(found.durationMs, maxPause);
      engine.pacer.paceKey(
        key,
        engine.knownKey(key),
        found.spacingMs as number,
        now + durationMs,
        now,
      );
      return { key, durationMs, reason: 'server-pace', spacingMs: found.spacingMs as number };
    }
    if (kind === 'backoff') {
      // Adaptive mode answers a bare 429 by cutting the key's rate (above), not by pausing.
      if (adaptive !== undefined) return { key, durationMs: 0, reason: 'backoff' };
      // A bare 429: pause, doubling per 429 in a row, until a success resets it.
      const n = (engine.pacer.backoffs.get(key) ?? 0) + 1;
      engine.pacer.backoffs.delete(key);
      if (engine.pacer.backoffs.size >= 10_000)
        engine.pacer.backoffs.delete(engine.pacer.backoffs.keys().next().value as string);
      engine.pacer.backoffs.set(key, n);
      const durationMs = Math.min(
        DEFAULT_BARE_429_PAUSE_MS * 2 ** Math.min(n - 1, 20),
        MAX_BARE_429_PAUSE_MS,
        maxPause,
      );
      engine.pauseKey(key, durationMs, 'retry-after');
      return { key, durationMs, reason: 'backoff' };
    }
    const durationMs = Math.min(found.durationMs, maxPause);
    engine.pauseKey(key, durationMs, found.reason);
    return { key, durationMs, reason: found.reason };
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
    return statsOf(engine.queued, engine.running, engine.keyState(DEFAULT_KEY), engine.slots.keys);
  }
}
