import type { Authenticator, Credential } from './credential.js';
import { AuthGrantError, AuthOptionError, AuthRefreshError } from './errors.js';
import { emit } from './events.js';

/** Which of the two keys. */
export type ApiKeySlot = 'current' | 'previous';

/**
 * Passed to `onKeyUsed` when the server accepts a key other than the last one that worked
 * (and for the first accepted request). Carries no key.
 *
 * @example
 * ```ts
 * import type { ApiKeyEvent } from '@brace/auth';
 *
 * const log = (e: ApiKeyEvent) => `API key in use: ${e.key}`;
 * ```
 */
export interface ApiKeyEvent {
  /** The key the server accepted. */
  key: ApiKeySlot;
  /** The header or query parameter it travels in. */
  name: string;
}

/**
 * Options of {@link apiKey}: `header` or `query`, and the keys, newest first.
 *
 * @example
 * ```ts
 * import type { ApiKeyOptions } from '@brace/auth';
 *
 * const options: ApiKeyOptions = { header: 'x-api-key', keys: ['new-key', 'old-key'] };
 * ```
 */
export interface ApiKeyOptions {
  /** The header that carries the key (e.g. `x-api-key`, `authorization`). */
  header?: string;
  /** The query parameter that carries the key, instead of a header. */
  query?: string;
  /** Text before the key in the value (e.g. `Bearer `). */
  prefix?: string;
  /** `[current]` or `[current, previous]` during a rotation. */
  keys: readonly [string] | readonly [string, string];
  /** An authenticated probe for `validate()`: resolve true when the server accepts the credential. */
  probe?: (credential: Credential, signal: AbortSignal | undefined) => Promise<boolean>;
  /** The server accepted a different key than before. */
  onKeyUsed?: (event: ApiKeyEvent) => void;
}

/**
 * What `validate()` of an {@link apiKey} found.
 *
 * @example
 * ```ts
 * import type { ApiKeyValidation } from '@brace/auth';
 *
 * const ready = (v: ApiKeyValidation) => v.current;
 * ```
 */
export interface ApiKeyValidation {
  /** Whether the provider accepts the current key. */
  current: boolean;
  /** Whether it accepts the previous key (undefined without one). */
  previous: boolean | undefined;
}

/**
 * An API key credential with rotation: {@link Authenticator} for the adapters, plus
 * `validate()` of both keys.
 *
 * @example
 * ```ts
 * import { apiKey } from '@brace/auth';
 *
 * const key = apiKey({ header: 'x-api-key', keys: ['new', 'old'] });
 * const report = await key.validate(); // needs the probe option
 * ```
 */
export interface ApiKeyAuthenticator extends Authenticator {
  /**
   * Probes each key; resolves which work; throws `AuthGrantError` when none does, or
   * `AuthRefreshError` (`network`) when none works and a probe threw instead of answering.
   */
  validate(options?: { signal?: AbortSignal }): Promise<ApiKeyValidation>;
  /** The key sent first right now. */
  readonly preferred: ApiKeySlot;
}

/**
 * Sends an API key; on a 401 with one key, the adapters retry once with the other (the
 * overlap of a rotation), and the key that works is preferred from then on.
 *
 * @param options - where the key goes and the keys
 * @returns an {@link ApiKeyAuthenticator}
 * @example
 * ```ts
 * import { apiKey } from '@brace/auth';
 * import { authFetch } from '@brace/auth/fetch';
 *
 * const api = authFetch(
 *   apiKey({
 *     header: 'x-api-key',
 *     keys: [process.env.API_KEY ?? '', process.env.API_KEY_PREVIOUS ?? 'unset'],
 *     onKeyUsed: ({ key }) => console.info(`API key in use: ${key}`),
 *   }),
 * );
 * const response = await api('https://api.example.com/v1/me');
 * ```
 */
export function apiKey(options: ApiKeyOptions): ApiKeyAuthenticator {
  const { header, query, keys } = options;
  if ((header === undefined) === (query === undefined)) {
    throw new AuthOptionError('header', 'exactly one of header or query');
  }
  const name = (header ?? query) as string;
  if (name === '') throw new AuthOptionError(header !== undefined ? 'header' : 'query', 'a name');
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 2) {
    throw new AuthOptionError('keys', '[current] or [current, previous]');
  }
  for (const k of keys) {
    if (typeof k !== 'string' || k === '') {
      throw new AuthOptionError('keys', 'non-empty strings');
    }
  }
  const prefix = options.prefix ?? '';
  const where = header !== undefined ? 'header' : 'query';
  const credentials: Credential[] = keys.map((k) => ({ in: where, name, value: prefix + k }));
  const slots: ApiKeySlot[] = ['current', 'previous'];
  let preferred = 0;
  let reported: number | undefined;
  const slotOf = (c: Credential) => credentials.findIndex((x) => x.value === c.value);

  const describe = (slot: ApiKeySlot) => `the ${slot} API key (${where} "${name.slice(0, 64)}")`;

  return {
    get preferred() {
      return slots[preferred] as ApiKeySlot;
    },
    authorize: () => credentials[preferred] as Credential,
    async rejected(credential) {
      const used = slotOf(credential);
      const other = used === 0 ? 1 : 0;
      return used === -1 ? undefined : credentials[other];
    },
    accepted(credential) {
      const used = slotOf(credential);
      if (used === -1) return;
      preferred = used;
      if (reported !== used) {
        reported = used;
        emit(options.onKeyUsed, { key: slots[used] as ApiKeySlot, name });
      }
    },
    async validate(opts) {
      const { probe } = options;
      if (probe === undefined)
        throw new AuthOptionError('probe', 'a probe function for validate()');
      const verdicts: boolean[] = [];
      let unreachable = 0;
      for (const c of credentials) {
        verdicts.push(
          await probe(c, opts?.signal).catch(() => {
            unreachable += 1; // no verdict on the key (its error is dropped: it may name it)
            return false;
          }),
        );
      }
      const [current = false, previous] = verdicts;
      if (!current && previous !== true && unreachable > 0) {
        throw new AuthRefreshError(describe('current'), 'network', undefined, credentials.length);
      }
      if (!current && previous !== true) {
        throw new AuthGrantError(
          describe('current'),
          'invalid_api_key',
          undefined,
          credentials.length > 1
            ? 'Neither the current nor the previous key was accepted.'
            : 'Check the key.',
        );
      }
      return { current, previous };
    },
  };
}
