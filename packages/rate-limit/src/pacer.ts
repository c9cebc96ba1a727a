import type { AdaptiveRates } from './adaptive.js';
import { PaceBook } from './pacing.js';
import type { LimiterKey } from './task.js';
import type { RateLimiterOptions } from './types.js';
import { emit } from './util.js';

/**
 * @internal When each key may start next: smooth pacing, a server's pacing (slow down before
 * zero, while it lasts) and adaptive mode's learnt rate, whichever spaces starts most. The
 * schedule outlives a key's local state (see {@link PaceBook}).
 */
export class Pacer {
  /** When each key may start next, kept beyond the key's local state. */
  readonly paces = new PaceBook();
  /** Server pacing per partition: at most one start per `spacing` ms until `until`. */
  readonly serverPaces = new Map<string, { spacing: number; until: number }>();
  /** Bare 429s in a row per partition (their pause doubles), reset by a success. */
  readonly backoffs = new Map<string, number>();

  constructor(
    private readonly opts: RateLimiterOptions,
    /** Adaptive mode: each key's learnt rate (undefined when off). */
    readonly adaptive: AdaptiveRates | undefined,
    /** Smooth pacing: ms between a key's starts per unit of cost (0: none). */
    public spacing: number,
  ) {}

  /** Whether any pacing may apply (else a start needs no {@link Pacer.pace}). */
  get active(): boolean {
    return this.spacing !== 0 || this.serverPaces.size > 0 || this.adaptive !== undefined;
  }

  /** When a key whose local state was forgotten may start next (0: now). */
  heldUntil(key: string): number {
    return this.paces.size > 0 ? this.paces.get(key) : 0;
  }

  /**
   * A task of `cost` starting now holds its key for `cost × spacing`, the largest of the
   * smooth spacing, the adaptive one and a server's (while it lasts).
   */
  pace(ks: LimiterKey, cost: number, now: number): void {
    let spacing = this.spacing;
    if (this.adaptive !== undefined) spacing = Math.max(spacing, this.adaptive.spacing(ks.key));
    if (this.serverPaces.size > 0) {
      const server = this.serverPaces.get(ks.key);
      if (server !== undefined) {
        if (server.until <= now) this.serverPaces.delete(ks.key);
        else if (server.spacing > spacing) spacing = server.spacing;
      }
    }
    if (spacing === 0) return;
    // A start the timer made late by less than a spacing keeps the schedule (lateness does not
    // add up start after start); after a longer gap (an idle key), spacing counts from now.
    const held = ks.blockedUntil;
    const from = held <= now && now - held < spacing ? held : now;
    ks.blockedUntil = this.paces.hold(ks.key, Math.max(held, from + cost * spacing));
  }

  /**
   * A server asked to slow down: at most one start of `key` per `spacing` ms until `until`.
   * `ks` is the key's local state, if it has one. Reported to `onThrottled` (`server-pace`).
   */
  paceKey(
    key: string,
    ks: LimiterKey | undefined,
    spacing: number,
    until: number,
    now: number,
  ): void {
    const paces = this.serverPaces;
    paces.delete(key);
    if (paces.size >= 10_000) paces.delete(paces.keys().next().value as string);
    paces.set(key, { spacing, until });
    const next = this.paces.hold(key, Math.max(ks?.blockedUntil ?? 0, now + spacing));
    if (ks !== undefined) ks.blockedUntil = next;
    if (this.opts.onThrottled) {
      emit(this.opts.onThrottled, {
        key,
        waitMs: next - now,
        reason: 'server-pace',
        policyIndex: -1,
        spacingMs: spacing,
        durationMs: until - now,
      });
    }
  }

  /** Adaptive mode cut `key`'s rate (a 429): reported to `onThrottled` (`adaptive`). */
  adaptiveCut(key: string): void {
    if (this.opts.onThrottled === undefined) return;
    const spacingMs = (this.adaptive as AdaptiveRates).spacing(key);
    emit(this.opts.onThrottled, {
      key,
      waitMs: spacingMs,
      reason: 'adaptive',
      policyIndex: -1,
      spacingMs,
    });
  }
}
