import type { Clock } from '@brace/core';
import type { DriftDeduper } from './dedupe.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import {
  checkBodyValue,
  checkResponseText,
  checkResponseValue,
  type DriftReport,
  type GuardMode,
  modeFrom,
  settingsFrom,
  shapeOf,
} from './validate.js';

/**
 * Options of {@link validateResponse}.
 */
export interface ValidateResponseOptions {
  /** `'throw'` (default) throws {@link ResponseSchemaError}; `'warn'` returns the raw JSON and reports. */
  mode?: GuardMode;
  /** A name for reports and errors, e.g. `'GET /users/:id'`. */
  label?: string;
  /** Receives drift reports (unknown keys, missing fields, type and enum changes). */
  onDrift?: (report: DriftReport) => unknown;
  /** Attach the raw body text to {@link ResponseSchemaError}. Default `false`. */
  includeBody?: boolean;
  /** Put offending values (and non-zod issue messages) in reports and errors. Default `false`. */
  includeValues?: boolean;
  /** Reports each drift once per window; see {@link createDriftDeduper}. Default: no deduplication. */
  dedupe?: DriftDeduper;
  /** Source of time for `firstSeen`. Default `systemClock`. */
  clock?: Clock;
  /** Longest body text parsed. Default {@link DEFAULT_MAX_BODY_LENGTH}. */
  maxBodyLength?: number;
}

/**
 * Options of {@link validateBody}.
 */
export interface ValidateBodyOptions {
  /** A name for the error, e.g. `'POST /users'`. */
  label?: string;
  /** Keep non-zod issue messages (they may quote the value). Default `false`. */
  includeValues?: boolean;
}

/** A response already parsed by another client, e.g. axios: `{ status, data }`. */
export interface ParsedResponse {
  /** The HTTP status. */
  status: number;
  /** The parsed JSON body. */
  data: unknown;
}

/**
 * Validates a response body against a schema, for fetch and axios users. Reads a Fetch
 * `Response` once (as text, then `JSON.parse`); takes an axios-style `{ status, data }` as it
 * is. Returns the validated output (defaults and transforms applied); throws
 * {@link ResponseSchemaError} in `throw` mode, returns the raw JSON in `warn` mode. Drift is
 * reported through `onDrift` whether or not validation passes.
 *
 * @example
 * ```ts
 * import { validateResponse } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const User = z.object({ id: z.number(), name: z.string() });
 * const user = await validateResponse(User, await fetch('https://api.example.com/users/1'), {
 *   label: 'GET /users/:id',
 *   onDrift: (report) => logger.warn(report),
 * });
 *
 * // axios
 * const res = await axios.get('/users/1');
 * const same = await validateResponse(User, { status: res.status, data: res.data });
 * ```
 */
export async function validateResponse<S extends StandardSchemaV1>(
  schema: S,
  response: Response | ParsedResponse,
  options: ValidateResponseOptions = {},
): Promise<StandardSchemaV1.InferOutput<S>> {
  const mode = modeFrom(options.mode);
  const settings = settingsFrom(options);
  const shape = shapeOf(schema);
  if ('data' in response) {
    return (await checkResponseValue(
      settings,
      schema,
      shape,
      response.data,
      mode,
      options.label,
      response.status,
      undefined,
    )) as StandardSchemaV1.InferOutput<S>;
  }
  const text = await response.text();
  return (await checkResponseText(
    settings,
    schema,
    shape,
    text,
    mode,
    options.label,
    response.status,
  )) as StandardSchemaV1.InferOutput<S>;
}

/**
 * Validates a value before it is sent as a request body. Returns the validated output (send
 * that); throws {@link RequestSchemaError} when it does not match.
 *
 * @example
 * ```ts
 * import { validateBody } from '@brace/schema-guard';
 * import { z } from 'zod';
 *
 * const NewUser = z.object({ name: z.string().min(1) });
 * const body = await validateBody(NewUser, input, { label: 'POST /users' });
 * await fetch('https://api.example.com/users', { method: 'POST', body: JSON.stringify(body) });
 * ```
 */
export async function validateBody<S extends StandardSchemaV1>(
  schema: S,
  value: StandardSchemaV1.InferInput<S>,
  options: ValidateBodyOptions = {},
): Promise<StandardSchemaV1.InferOutput<S>> {
  return (await checkBodyValue(
    schema,
    value,
    options.label,
    options.includeValues === true,
  )) as StandardSchemaV1.InferOutput<S>;
}
