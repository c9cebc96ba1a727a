import { SimulatorOptionsError } from './errors.js';

/**
 * The JSON type a retyped field takes.
 *
 * @example
 * ```ts
 * import type { DriftType } from '@brace/simulator';
 *
 * const t: DriftType = 'string';
 * ```
 */
export type DriftType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

/**
 * One scheduled schema change: once the provider has seen `after` requests (or, with `afterMs`,
 * once that much time has passed on its clock), JSON answers have these fields renamed, removed,
 * added or retyped (top level, each item of a top-level array, and each item of a `data` array).
 * Steps due apply in the order given.
 *
 * @example
 * ```ts
 * import type { DriftStep } from '@brace/simulator';
 *
 * const steps: DriftStep[] = [
 *   { after: 50, rename: { url: 'target_url' } },
 *   { after: 100, remove: ['created_at'], add: { clicks: 0 }, retype: { amount: 'string' } },
 *   { afterMs: 60_000, rename: { amount: 'amount_cents' } },
 * ];
 * ```
 */
export interface DriftStep {
  /** Applies once the provider has seen this many requests. */
  after?: number;
  /** Applies once this many ms have passed since the provider started (its clock). */
  afterMs?: number;
  /** Fields renamed, old name to new name. */
  rename?: Record<string, string>;
  /** Fields removed. */
  remove?: readonly string[];
  /** Fields added, with their values. */
  add?: Record<string, unknown>;
  /** Fields given another JSON type. */
  retype?: Record<string, DriftType>;
}

function retyped(value: unknown, type: DriftType): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'number':
      return typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? value.length
          : Number(Boolean(value));
    case 'boolean':
      return Boolean(value);
    case 'null':
      return null;
    case 'array':
      return [value];
    default:
      return { value };
  }
}

function driftObject(
  input: Record<string, unknown>,
  steps: readonly DriftStep[],
): Record<string, unknown> {
  let out: Record<string, unknown> = { ...input };
  for (const step of steps) {
    for (const [from, to] of Object.entries(step.rename ?? {})) {
      if (Object.hasOwn(out, from)) {
        const next: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(out)) next[k === from ? to : k] = v;
        out = next;
      }
    }
    for (const field of step.remove ?? []) delete out[field];
    for (const [field, type] of Object.entries(step.retype ?? {})) {
      if (Object.hasOwn(out, field)) out[field] = retyped(out[field], type);
    }
    for (const [field, value] of Object.entries(step.add ?? {})) out[field] = value;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Applies the steps due to a parsed JSON answer. */
export function applyDrift(body: unknown, steps: readonly DriftStep[]): unknown {
  if (steps.length === 0) return body;
  if (Array.isArray(body))
    return body.map((item) => (isObject(item) ? driftObject(item, steps) : item));
  if (!isObject(body)) return body;
  const out = driftObject(body, steps);
  if (Array.isArray(out.data))
    out.data = out.data.map((item) => (isObject(item) ? driftObject(item, steps) : item));
  return out;
}

/** Whether a step is due. */
export function isDue(step: DriftStep, requests: number, elapsedMs: number): boolean {
  return step.after !== undefined ? step.after <= requests : (step.afterMs as number) <= elapsedMs;
}

/** Checks a drift schedule. */
export function checkDrift(steps: readonly DriftStep[] | undefined): DriftStep[] {
  if (steps === undefined) return [];
  if (!Array.isArray(steps)) throw new SimulatorOptionsError('drift must be an array of steps.');
  for (const step of steps) {
    const { after, afterMs } = step ?? {};
    const okAfter = after === undefined || (Number.isInteger(after) && after >= 0);
    const okMs = afterMs === undefined || (Number.isFinite(afterMs) && afterMs >= 0);
    if (!okAfter || !okMs || (after === undefined) === (afterMs === undefined)) {
      throw new SimulatorOptionsError(
        'each drift step needs exactly one of `after` (requests, an integer >= 0) and `afterMs` (ms >= 0).',
      );
    }
  }
  return [...steps];
}
