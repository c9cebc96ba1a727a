import { type Clock, systemClock } from '@brace/core';
import type { DriftFinding, DriftObservation } from './drift.js';
import { SchemaGuardOptionError } from './errors.js';

/**
 * How long the same drift stays quiet after it was reported: 5 minutes.
 *
 * @example
 * ```ts
 * import { DEFAULT_DRIFT_WINDOW_MS } from '@brace/schema-guard';
 *
 * console.log(DEFAULT_DRIFT_WINDOW_MS);
 * ```
 */
export const DEFAULT_DRIFT_WINDOW_MS = 300_000;
/**
 * How many distinct drifts the deduper remembers at most.
 *
 * @example
 * ```ts
 * import { DEFAULT_DRIFT_MAX_ENTRIES } from '@brace/schema-guard';
 *
 * console.log(DEFAULT_DRIFT_MAX_ENTRIES);
 * ```
 */
export const DEFAULT_DRIFT_MAX_ENTRIES = 1_000;

/**
 * Options of {@link createDriftDeduper}.
 */
export interface DriftDeduperOptions {
  /** Quiet period per drift after a report, in ms. Default {@link DEFAULT_DRIFT_WINDOW_MS}. */
  windowMs?: number;
  /** Most distinct drifts remembered; the oldest is forgotten first. Default {@link DEFAULT_DRIFT_MAX_ENTRIES}. */
  maxEntries?: number;
  /** Source of time. Default `systemClock`. */
  clock?: Clock;
}

/**
 * Remembers which drifts were reported recently, so the same drift on the same route is
 * reported once per window (with a count) instead of on every request.
 *
 * @example
 * ```ts
 * import { createDriftDeduper, validateResponse } from '@brace/schema-guard';
 *
 * const dedupe = createDriftDeduper({ windowMs: 60_000 });
 * await validateResponse(User, response, { label: 'GET /me', dedupe, onDrift: alert });
 * ```
 */
export interface DriftDeduper {
  /**
   * Returns the findings that are due for a report on `route` (first seen, or first again
   * after the window), each with its count, and counts the rest silently.
   */
  filter(route: string, findings: ReadonlyArray<DriftObservation>): DriftFinding[];
  /** The number of distinct drifts currently remembered. */
  readonly size: number;
}

interface Entry {
  reportedAt: number;
  firstSeen: number;
  suppressed: number;
}

function positiveInteger(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SchemaGuardOptionError(name, `an integer from 1 to ${max}`);
  }
  return value;
}

function findingKey(route: string, finding: DriftObservation): string {
  let key = `${route}\n${finding.kind}\n${finding.path}\n${finding.expected ?? ''}\n${finding.received ?? ''}`;
  if (finding.kind === 'enum' && finding.value !== undefined) {
    key += `\n${String(finding.value).slice(0, 100)}`;
  }
  return key;
}

class Deduper implements DriftDeduper {
  readonly #entries = new Map<string, Entry>();
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor(options: DriftDeduperOptions) {
    this.#windowMs = positiveInteger(
      'driftWindowMs',
      options.windowMs,
      DEFAULT_DRIFT_WINDOW_MS,
      2_147_483_647,
    );
    this.#maxEntries = positiveInteger(
      'driftMaxEntries',
      options.maxEntries,
      DEFAULT_DRIFT_MAX_ENTRIES,
      1_000_000,
    );
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function') {
      throw new SchemaGuardOptionError('clock', 'a Clock with now() (see @brace/core)');
    }
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  filter(route: string, findings: ReadonlyArray<DriftObservation>): DriftFinding[] {
    const due: DriftFinding[] = [];
    if (findings.length === 0) return due;
    const now = this.#clock.now();
    for (const finding of findings) {
      const key = findingKey(route, finding);
      const entry = this.#entries.get(key);
      if (entry !== undefined && now - entry.reportedAt < this.#windowMs) {
        entry.suppressed++;
        continue;
      }
      let count = 1;
      let firstSeen = now;
      if (entry !== undefined) {
        count = entry.suppressed + 1;
        firstSeen = entry.firstSeen;
        this.#entries.delete(key);
      } else {
        this.#evict(now);
      }
      // Re-inserting keeps the map ordered by report time, so eviction starts at the front.
      this.#entries.set(key, { reportedAt: now, firstSeen, suppressed: 0 });
      due.push({ ...finding, count, firstSeen });
    }
    return due;
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.reportedAt < this.#windowMs && this.#entries.size < this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}

/**
 * Creates a {@link DriftDeduper}: a bounded map (size cap and TTL eviction) of drifts already
 * reported. Throws {@link SchemaGuardOptionError} for bad options.
 *
 * @example
 * ```ts
 * import { createDriftDeduper } from '@brace/schema-guard';
 * import { manualClock } from '@brace/core';
 *
 * const dedupe = createDriftDeduper({ windowMs: 60_000, maxEntries: 500, clock: manualClock({ now: 0 }) });
 * dedupe.filter('GET /me', [{ kind: 'unknown-key', path: '$.plan' }]).length; // 1
 * dedupe.filter('GET /me', [{ kind: 'unknown-key', path: '$.plan' }]).length; // 0 (counted)
 * ```
 */
export function createDriftDeduper(options: DriftDeduperOptions = {}): DriftDeduper {
  return new Deduper(options);
}
