import { SimulatorOptionsError } from './errors.js';
import { type Random, seededRandom } from './random.js';
import { compileRoute, matchRoute, type RoutePattern } from './route-pattern.js';

/**
 * A fault the provider can inject.
 * - `error`: a 5xx (`errorStatus`) before the handler runs (nothing committed).
 * - `rateLimit` / `rateLimitNoRetryAfter`: a spurious 429 with or without `Retry-After`.
 * - `reset`: the connection is reset before any answer (nothing committed).
 * - `drop`: a write is committed (2xx), then the socket is destroyed without an answer.
 * - `slow`: a write is committed (2xx), then the answer waits `slowMs`.
 * - `slowBody`: headers at once, then the body dribbles out over `slowBodyMs`.
 * - `truncate`: the full `Content-Length` is announced, half the body sent, then the socket closes.
 *
 * The after-commit faults (`drop`, `slow`, `slowBody`, `truncate`) never touch replayed answers
 * (an idempotency key's saved answer) or the provider's own refusals; `drop` and `slow` apply
 * only to 2xx answers to POST, PUT, PATCH and DELETE, where something was committed.
 *
 * @example
 * ```ts
 * import type { FaultName } from '@brace/simulator';
 *
 * const fault: FaultName = 'drop';
 * ```
 */
export type FaultName =
  | 'error'
  | 'rateLimit'
  | 'rateLimitNoRetryAfter'
  | 'reset'
  | 'drop'
  | 'slow'
  | 'slowBody'
  | 'truncate';

/** The faults in the order the probability draw walks them. */
export const FAULT_NAMES: readonly FaultName[] = Object.freeze([
  'error',
  'rateLimit',
  'rateLimitNoRetryAfter',
  'reset',
  'drop',
  'slow',
  'slowBody',
  'truncate',
]);

/**
 * One attempt of a per-route script: a status (2xx/3xx: answer normally; 429: rate limited with
 * `Retry-After`; other 4xx/5xx: that error) or a fault name.
 *
 * @example
 * ```ts
 * import type { ScriptStep } from '@brace/simulator';
 *
 * const steps: ScriptStep[] = [503, 'drop', 200];
 * ```
 */
export type ScriptStep = number | FaultName;

/**
 * Fault options: each fault's probability per request, and per-route scripts that win over them.
 *
 * @example
 * ```ts
 * import type { FaultOptions } from '@brace/simulator';
 *
 * const faults: FaultOptions = { error: 0.1, drop: 0.02, script: { 'POST /charges': [503, 503, 200] } };
 * ```
 */
export interface FaultOptions {
  /** Share of requests answered with a 5xx before the handler. */
  error?: number;
  /** Share answered 429 with `Retry-After`. */
  rateLimit?: number;
  /** Share answered 429 without `Retry-After`. */
  rateLimitNoRetryAfter?: number;
  /** Share whose connection is reset before the handler. */
  reset?: number;
  /** Share of committed writes whose answer is never sent. */
  drop?: number;
  /** Share of committed writes answered after `slowMs`. */
  slow?: number;
  /** Share of answers whose body dribbles out over `slowBodyMs`. */
  slowBody?: number;
  /** Share of answers cut in half. */
  truncate?: number;
  /** Status of `error` faults. Default 503. */
  errorStatus?: number;
  /** `preset`: the preset's error body; `problem`: RFC 9457 problem+json. Default `preset`. */
  errorShape?: 'preset' | 'problem';
  /** How long a `slow` answer waits, ms. Default {@link DEFAULT_SLOW_MS}. */
  slowMs?: number;
  /** Over how long a `slowBody` answer dribbles its body, ms. Default {@link DEFAULT_SLOW_BODY_MS}. */
  slowBodyMs?: number;
  /** `Retry-After` seconds of injected 429s. Default 1. */
  retryAfterSec?: number;
  /**
   * `Retry-After` seconds on injected `error` answers (a 503 saying when to come back, as
   * RFC 9110 §10.2.3 allows). Default: none.
   */
  errorRetryAfterSec?: number;
  /** Per-route scripts, `'METHOD /path/:param'` (method `*` for any): attempt n takes step n. */
  script?: Record<string, readonly ScriptStep[]>;
}

/** Default wait of a `slow` answer. */
export const DEFAULT_SLOW_MS = 2000;
/** Default duration of a `slowBody` answer. */
export const DEFAULT_SLOW_BODY_MS = 1000;

/** What the plan decided for one request. */
export interface FaultDecision {
  fault: FaultName | 'none';
  /** The status for `error` (from `errorStatus` or the script). */
  status: number;
  /** Decided by a script rather than the draw. */
  scripted: boolean;
}

interface Script {
  pattern: RoutePattern;
  steps: readonly ScriptStep[];
  attempts: number;
}

function checkProbability(name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new SimulatorOptionsError(`faults.${name} must be a probability between 0 and 1.`);
  }
  return value;
}

function checkStep(step: unknown, key: string): ScriptStep {
  const ok =
    (typeof step === 'number' && Number.isInteger(step) && step >= 200 && step <= 599) ||
    (typeof step === 'string' && (FAULT_NAMES as readonly string[]).includes(step));
  if (!ok) {
    throw new SimulatorOptionsError(
      `faults.script["${key.slice(0, 60)}"]: each step is a status 200-599 or one of ${FAULT_NAMES.join(', ')}.`,
    );
  }
  return step as ScriptStep;
}

/** Seeded fault decisions: one draw per request, scripts first. */
export class FaultPlan {
  readonly #random: Random;
  readonly #rates: number[];
  readonly #scripts: Script[] = [];
  readonly errorStatus: number;
  readonly errorShape: 'preset' | 'problem';
  readonly slowMs: number;
  readonly slowBodyMs: number;
  readonly retryAfterSec: number;
  readonly errorRetryAfterSec: number | undefined;

  constructor(options: FaultOptions, seed: number) {
    this.#random = seededRandom(seed, 'faults');
    this.#rates = FAULT_NAMES.map((name) => checkProbability(name, options[name]));
    const total = this.#rates.reduce((a, b) => a + b, 0);
    if (total > 1 + 1e-9)
      throw new SimulatorOptionsError('faults: the probabilities add up to more than 1.');
    this.errorStatus = options.errorStatus ?? 503;
    if (!Number.isInteger(this.errorStatus) || this.errorStatus < 400 || this.errorStatus > 599) {
      throw new SimulatorOptionsError('faults.errorStatus must be a status between 400 and 599.');
    }
    this.errorShape = options.errorShape ?? 'preset';
    this.slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
    this.slowBodyMs = options.slowBodyMs ?? DEFAULT_SLOW_BODY_MS;
    this.retryAfterSec = options.retryAfterSec ?? 1;
    this.errorRetryAfterSec = options.errorRetryAfterSec;
    for (const [name, value] of [
      ['slowMs', this.slowMs],
      ['slowBodyMs', this.slowBodyMs],
      ['retryAfterSec', this.retryAfterSec],
      ['errorRetryAfterSec', this.errorRetryAfterSec ?? 0],
    ] as const) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new SimulatorOptionsError(`faults.${name} must be a finite number >= 0.`);
      }
    }
    for (const [key, steps] of Object.entries(options.script ?? {})) this.setScript(key, steps);
  }

  /** Sets (or replaces) the script of a route; its attempt count starts again at 0. */
  setScript(key: string, steps: readonly ScriptStep[]): void {
    const pattern = compileRoute(key);
    if (pattern === undefined) {
      throw new SimulatorOptionsError(
        `faults.script: "${key.slice(0, 60)}" is not "METHOD /path".`,
      );
    }
    if (!Array.isArray(steps))
      throw new SimulatorOptionsError('faults.script: each script is an array of steps.');
    const checked = steps.map((step) => checkStep(step, key));
    const existing = this.#scripts.findIndex((s) => s.pattern.key === key);
    const script = { pattern, steps: checked, attempts: 0 };
    if (existing >= 0) this.#scripts[existing] = script;
    else this.#scripts.push(script);
  }

  /** Decides one request's fault. The draw is always taken, so scripts never shift it. */
  decide(method: string, segments: readonly string[]): FaultDecision {
    const draw = this.#random();
    for (const script of this.#scripts) {
      if (matchRoute(script.pattern, method, segments) === undefined) continue;
      const step = script.steps[script.attempts];
      if (step === undefined) break;
      script.attempts++;
      if (typeof step === 'string')
        return { fault: step, status: this.errorStatus, scripted: true };
      if (step < 400) return { fault: 'none', status: step, scripted: true };
      if (step === 429) return { fault: 'rateLimit', status: 429, scripted: true };
      return { fault: 'error', status: step, scripted: true };
    }
    let edge = 0;
    for (let i = 0; i < FAULT_NAMES.length; i++) {
      edge += this.#rates[i] as number;
      if (draw < edge)
        return { fault: FAULT_NAMES[i] as FaultName, status: this.errorStatus, scripted: false };
    }
    return { fault: 'none', status: 200, scripted: false };
  }
}
