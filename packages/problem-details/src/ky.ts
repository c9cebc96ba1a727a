/**
 * ky integration: `problemDetailsHooks` turn `application/problem+json` error responses into `ProblemDetailsError`.
 *
 * @module
 */
import type { BeforeErrorHook, BeforeErrorState, HTTPError } from 'ky';
import { ProblemDetailsError } from './errors.js';
import { isProblemJson, mediaType, normalizeProblem } from './normalize.js';
import {
  type ParseProblemDetailsOptions,
  type ProblemDetails,
  parseProblemDetails,
} from './parse.js';

/** Whether non-standard error bodies become problems unless told otherwise: yes. */
export const DEFAULT_NORMALIZE = true;

/** What a custom `normalize` function receives besides the body. */
export interface NormalizeContext extends ParseProblemDetailsOptions {
  /** The response's HTTP status. */
  status: number;
  /** The response's URL (relative references resolve against it). */
  baseUrl: string;
  /** The response's media type, lower-cased, without parameters. */
  contentType: string;
}

/** Options of {@link problemDetailsHooks}. */
export interface ProblemDetailsHooksOptions {
  /**
   * What to do with error bodies that are not `application/problem+json`:
   * `true` ({@link DEFAULT_NORMALIZE}) maps common shapes with `normalizeProblem` and
   * anything else to `about:blank`; `false` leaves ky's `HTTPError` as it is; a function
   * maps the body itself and returns `undefined` to fall back to `normalizeProblem` (a
   * throwing function falls back too).
   */
  normalize?:
    | boolean
    | ((body: unknown, context: NormalizeContext) => ProblemDetails | undefined)
    | undefined;
}

/** The hooks {@link problemDetailsHooks} returns: only `beforeError`. */
export interface ProblemDetailsHooks {
  /** Turns ky's `HTTPError` into a `ProblemDetailsError`. */
  beforeError: BeforeErrorHook[];
}

function isHttpError(error: Error): error is HTTPError {
  const candidate = error as Partial<HTTPError>;
  return (
    error.name === 'HTTPError' &&
    typeof candidate.response?.status === 'number' &&
    typeof candidate.request?.url === 'string'
  );
}

/**
 * ky hooks that turn an `HTTPError` into a {@link ProblemDetailsError}: an
 * `application/problem+json` body (ky 2 has already parsed it into `error.data`) is read
 * by `parseProblemDetails`, relative references resolved against the response URL; other
 * bodies are normalised (see `normalizeProblem`) unless `normalize` is `false`. The
 * original `HTTPError` is the `cause`. Timeouts, network errors and everything else stay
 * ky's own errors.
 *
 * Only a `beforeError` hook is added: successful responses pay nothing.
 *
 * @param options - `normalize`
 * @returns hooks for `ky.create({ hooks })` or `composeHooks`
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { ProblemDetailsError } from '@brace/problem-details';
 * import { problemDetailsHooks } from '@brace/problem-details/ky';
 *
 * const api = ky.create({ baseUrl: 'https://api.example.com/', hooks: problemDetailsHooks() });
 * try {
 *   await api.post('purchase', { json: { item: 123456, quantity: 2 } });
 * } catch (error) {
 *   if (error instanceof ProblemDetailsError) console.log(error.message);
 *   // 403 You do not have enough credit.: Your current balance is 30, but that costs 50. [https://example.com/probs/out-of-credit]
 * }
 * ```
 */
export function problemDetailsHooks(options?: ProblemDetailsHooksOptions): ProblemDetailsHooks {
  const normalize = options?.normalize ?? DEFAULT_NORMALIZE;
  const hook = ({ error }: BeforeErrorState): Error => {
    if (!isHttpError(error)) return error;
    const { response, request } = error;
    const contentType = response.headers.get('content-type');
    const status = response.status;
    const baseUrl = response.url || request.url;
    let problem: ProblemDetails | undefined;
    if (isProblemJson(contentType)) {
      problem = parseProblemDetails(error.data, { status, baseUrl });
    } else if (normalize === false) {
      return error;
    } else {
      if (typeof normalize === 'function') {
        try {
          problem = normalize(error.data, { status, baseUrl, contentType: mediaType(contentType) });
        } catch {
          // A throwing normalizer falls back to the built-in one.
        }
      }
      problem ??= normalizeProblem(error.data, { status, baseUrl });
    }
    return new ProblemDetailsError(problem, { response, request, cause: error });
  };
  return { beforeError: [hook] };
}
