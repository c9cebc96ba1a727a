import { type Clock, safeIssueMessage, systemClock } from '@brace/core';
import type { DriftDeduper } from './dedupe.js';
import {
  addIssueFindings,
  type DriftFinding,
  type DriftObservation,
  DriftWalker,
  diffKeys,
  issuePath,
} from './drift.js';
import {
  RequestSchemaError,
  ResponseSchemaError,
  SchemaGuardOptionError,
  type SchemaIssue,
} from './errors.js';
import { type Shape, shapeOf } from './shape.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** `throw`: a response that does not match throws; `warn`: it passes through and is reported. */
export type GuardMode = 'throw' | 'warn';

/**
 * The default mode: `'throw'`.
 *
 * @example
 * ```ts
 * import { DEFAULT_MODE } from '@brace/schema-guard';
 *
 * console.log(DEFAULT_MODE);
 * ```
 */
export const DEFAULT_MODE: GuardMode = 'throw';
/**
 * The longest body text parsed and validated: 10 MiB (in UTF-16 code units).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BODY_LENGTH } from '@brace/schema-guard';
 *
 * console.log(DEFAULT_MAX_BODY_LENGTH);
 * ```
 */
export const DEFAULT_MAX_BODY_LENGTH = 10 * 1024 * 1024;

/**
 * What `onDrift` receives: the new drifts seen in one response (already deduplicated).
 *
 * @example
 * ```ts
 * import type { DriftReport } from '@brace/schema-guard';
 *
 * const onDrift = (report: DriftReport) => {
 *   for (const f of report.findings) metrics.count(`drift.${report.route}.${f.kind}`, f.count);
 * };
 * ```
 */
export interface DriftReport {
  /** The route key (e.g. `'GET /users/:id'`), or the `label` given to {@link validateResponse}. */
  readonly route: string;
  /** The response status. */
  readonly status: number;
  /** Whether the body still passed validation (drift the schema tolerated). */
  readonly valid: boolean;
  /** The drifts due for a report; each one carries its count. */
  readonly findings: ReadonlyArray<DriftFinding>;
}

/** Settings shared by every check (internal). */
export interface CheckSettings {
  readonly onDrift: ((report: DriftReport) => unknown) | undefined;
  readonly includeBody: boolean;
  readonly includeValues: boolean;
  readonly dedupe: DriftDeduper | undefined;
  readonly clock: Clock;
  readonly maxBodyLength: number;
}

type Result = StandardSchemaV1.Result<unknown>;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

/** Calls an event callback; a throw or a rejection never reaches the request. */
export function emit<E>(callback: ((event: E) => unknown) | undefined, event: E): void {
  if (callback === undefined) return;
  try {
    const result = callback(event);
    if (result !== null && typeof result === 'object' && isPromise(result)) {
      (result as Promise<unknown>).then(undefined, () => undefined);
    }
  } catch {
    // A throwing callback never breaks the request.
  }
}

/**
 * Copies issues to `{message, path}`. Without `includeValues` each message is rebuilt from the
 * issue's code and the schema's side only (`safeIssueMessage` of `@brace/core`, per library:
 * zod, valibot, arktype), because validators quote the input (valibot's `received`,
 * arktype's `(was …)`, even inside arktype's `expected`); with it, the library's own message.
 */
export function sanitizeIssues(
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
  _vendor: string,
  includeValues: boolean,
): SchemaIssue[] {
  return issues.map((issue) => ({
    message: includeValues ? String(issue.message) : safeIssueMessage(issue),
    path: issuePath(issue),
  }));
}

function observe(
  shape: Shape,
  raw: unknown,
  result: Result,
  includeValues: boolean,
): DriftObservation[] {
  let findings: DriftObservation[];
  if (shape.k === 'diff') {
    findings = [];
    if (result.issues === undefined) diffKeys(raw, result.value, findings);
  } else {
    const walker = new DriftWalker(includeValues);
    walker.walk(shape, raw);
    findings = walker.findings;
  }
  if (result.issues !== undefined) addIssueFindings(result.issues, findings, includeValues, shape);
  return findings;
}

/** Reports the drifts of one payload through dedupe and `onDrift`. */
export function reportDrift(
  s: CheckSettings,
  findings: ReadonlyArray<DriftObservation>,
  route: string,
  status: number,
  valid: boolean,
): void {
  if (findings.length === 0 || s.onDrift === undefined) return;
  let due: DriftFinding[];
  if (s.dedupe !== undefined) {
    due = s.dedupe.filter(route, findings);
  } else {
    const now = s.clock.now();
    due = findings.map((f) => ({ ...f, count: 1, firstSeen: now }));
  }
  if (due.length > 0) emit(s.onDrift, { route, status, valid, findings: due });
}

function settle(
  s: CheckSettings,
  schema: StandardSchemaV1,
  shape: Shape,
  raw: unknown,
  result: Result,
  mode: GuardMode,
  route: string | undefined,
  status: number,
  text: string | undefined,
): unknown {
  if (s.onDrift !== undefined) {
    reportDrift(
      s,
      observe(shape, raw, result, s.includeValues),
      route ?? '(unlabelled)',
      status,
      result.issues === undefined,
    );
  }
  if (result.issues === undefined) return result.value;
  if (mode === 'warn') return raw;
  throw new ResponseSchemaError(
    sanitizeIssues(result.issues, schema['~standard'].vendor, s.includeValues),
    route,
    status,
    s.includeBody ? text : undefined,
  );
}

/**
 * Validates parsed response JSON: returns the validated output, or (in `warn` mode) the raw
 * value unchanged; reports drift when `onDrift` is set; throws {@link ResponseSchemaError} in
 * `throw` mode. Synchronous when the schema is.
 */
export function checkResponseValue(
  s: CheckSettings,
  schema: StandardSchemaV1,
  shape: Shape,
  raw: unknown,
  mode: GuardMode,
  route: string | undefined,
  status: number,
  text: string | undefined,
): unknown {
  const result = schema['~standard'].validate(raw);
  if (isPromise(result)) {
    return result.then((r) => settle(s, schema, shape, raw, r, mode, route, status, text));
  }
  return settle(s, schema, shape, raw, result, mode, route, status, text);
}

/**
 * Parses and validates response text. Too long or not JSON: a {@link ResponseSchemaError} in
 * `throw` mode; in `warn` mode it is reported and handled as an unguarded parse would be.
 */
export function checkResponseText(
  s: CheckSettings,
  schema: StandardSchemaV1,
  shape: Shape,
  text: string,
  mode: GuardMode,
  route: string | undefined,
  status: number,
): unknown {
  let problem: string | undefined;
  let raw: unknown;
  if (text.length > s.maxBodyLength) {
    problem = `The body is longer than maxBodyLength (${s.maxBodyLength} characters), so it was not validated`;
  } else if (text !== '') {
    try {
      raw = JSON.parse(text);
    } catch {
      problem = 'The body is not valid JSON';
    }
  }
  if (problem === undefined) {
    return checkResponseValue(s, schema, shape, raw, mode, route, status, text);
  }
  reportDrift(s, [{ kind: 'invalid', path: '$' }], route ?? '(unlabelled)', status, false);
  if (mode === 'warn') return JSON.parse(text);
  throw new ResponseSchemaError(
    [{ message: problem, path: [] }],
    route,
    status,
    s.includeBody ? text.slice(0, s.maxBodyLength) : undefined,
  );
}

/**
 * Validates an outgoing body; returns the validated output or throws
 * {@link RequestSchemaError}. Synchronous when the schema is.
 */
export function checkBodyValue(
  schema: StandardSchemaV1,
  value: unknown,
  route: string | undefined,
  includeValues: boolean,
): unknown {
  const fail = (r: Result): unknown => {
    if (r.issues === undefined) return r.value;
    throw new RequestSchemaError(
      sanitizeIssues(r.issues, schema['~standard'].vendor, includeValues),
      route,
    );
  };
  const result = schema['~standard'].validate(value);
  return isPromise(result) ? result.then(fail) : fail(result);
}

/** Reads `CheckSettings` from user options, validating each. */
export function settingsFrom(options: {
  onDrift?: ((report: DriftReport) => unknown) | undefined;
  includeBody?: boolean | undefined;
  includeValues?: boolean | undefined;
  dedupe?: DriftDeduper | undefined;
  clock?: Clock | undefined;
  maxBodyLength?: number | undefined;
}): CheckSettings {
  if (options.onDrift !== undefined && typeof options.onDrift !== 'function') {
    throw new SchemaGuardOptionError('onDrift', 'a function');
  }
  const max = options.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  if (!Number.isInteger(max) || max < 1 || max > 536_870_888) {
    throw new SchemaGuardOptionError('maxBodyLength', 'an integer from 1 to 536870888');
  }
  return {
    onDrift: options.onDrift,
    includeBody: options.includeBody === true,
    includeValues: options.includeValues === true,
    dedupe: options.dedupe,
    clock: options.clock ?? systemClock,
    maxBodyLength: max,
  };
}

/** Checks a `mode` option. */
export function modeFrom(mode: unknown): GuardMode {
  if (mode === undefined) return DEFAULT_MODE;
  if (mode !== 'throw' && mode !== 'warn') {
    throw new SchemaGuardOptionError('mode', "'throw' or 'warn'");
  }
  return mode;
}

export { shapeOf };
