import type { Attributes } from './otel-types.js';

/**
 * Default bound on distinct `server.address` values in metrics when no `hosts` are declared:
 * 16. The first 16 hosts (host and port) seen keep their names; later ones are counted as
 * `other` ({@link OTHER_HOST}), so a client that calls many hosts cannot multiply the series.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_HOSTS } from '@brace/telemetry';
 *
 * console.log(DEFAULT_MAX_HOSTS); // 16
 * ```
 */
export const DEFAULT_MAX_HOSTS = 16;

/**
 * The `server.address` of hosts beyond the declared ones (or beyond `maxHosts`): `'other'`.
 * Their metrics carry no `server.port`.
 *
 * @example
 * ```ts
 * import { OTHER_HOST } from '@brace/telemetry';
 *
 * console.log(OTHER_HOST); // 'other'
 * ```
 */
export const OTHER_HOST = 'other';

/** Most attribute sets kept per cache (method × host × template, then × outcome). */
const MAX_CACHED = 1024;
/** Most outcome variants (status × error type) kept per base attribute set. */
const MAX_OUTCOMES = 64;

/** What a call's metric attributes are built from. */
export interface AttributeInput {
  method: string;
  hostname: string;
  port: number;
  template: string;
}

/**
 * Bounds `server.address` (declared hosts, or the first `maxHosts` seen; the rest are
 * `other`) and hands out frozen attribute objects, one per method, host and template and one
 * per outcome (status, error type) of each: a call allocates none, and the same object goes to
 * every record of the same series.
 */
export class AttributeCache {
  readonly #integration: string;
  readonly #declared: ReadonlySet<string> | undefined;
  readonly #maxHosts: number;
  readonly #seen = new Set<string>();
  readonly #bases = new Map<string, Attributes>();
  readonly #outcomes = new WeakMap<Attributes, Map<string, Attributes>>();
  readonly #onOverflow: () => void;
  /** The previous call's input and answer: consecutive calls to one endpoint skip the lookup. */
  #last: (AttributeInput & { attributes: Attributes; overflow: boolean }) | undefined;
  /** The previous outcome's input and answer: the same series again skips the lookups. */
  #lastOutcome:
    | {
        base: Attributes;
        status: number | undefined;
        errorType: string | undefined;
        attributes: Attributes;
      }
    | undefined;

  constructor(
    integration: string,
    hosts: readonly string[] | undefined,
    maxHosts: number,
    onOverflow: () => void,
  ) {
    this.#integration = integration;
    this.#declared = hosts ? new Set(hosts.map((h) => h.toLowerCase())) : undefined;
    this.#maxHosts = maxHosts;
    this.#onOverflow = onOverflow;
  }

  /** Whether `hostname:port` keeps its name in metrics (calls `onOverflow` when not). */
  #known(hostname: string, port: number): boolean {
    if (this.#declared) return this.#declared.has(hostname);
    const key = `${hostname}:${port}`;
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= this.#maxHosts) return false;
    this.#seen.add(key);
    return true;
  }

  /** The attributes every record of this call carries (frozen, shared). */
  base(input: AttributeInput): Attributes {
    const last = this.#last;
    if (
      last !== undefined &&
      last.method === input.method &&
      last.hostname === input.hostname &&
      last.port === input.port &&
      last.template === input.template
    ) {
      if (last.overflow) this.#onOverflow();
      return last.attributes;
    }
    const attributes = this.#base(input);
    this.#last = { ...input, attributes, overflow: attributes['server.address'] === OTHER_HOST };
    return attributes;
  }

  #base(input: AttributeInput): Attributes {
    const known = this.#known(input.hostname, input.port);
    if (!known) this.#onOverflow();
    const key = `${input.method}\0${known ? input.hostname : ''}\0${known ? input.port : ''}\0${input.template}`;
    let attributes = this.#bases.get(key);
    if (attributes !== undefined) return attributes;
    const built: Attributes = { 'http.request.method': input.method };
    if (known) {
      built['server.address'] = input.hostname;
      built['server.port'] = input.port;
    } else {
      built['server.address'] = OTHER_HOST;
    }
    built['url.template'] = input.template;
    built['brace.integration'] = this.#integration;
    attributes = Object.freeze(built);
    if (this.#bases.size < MAX_CACHED) this.#bases.set(key, attributes);
    return attributes;
  }

  /** `base` plus the status and error type of an outcome (frozen, shared). */
  outcome(base: Attributes, status: number | undefined, errorType: string | undefined): Attributes {
    if (status === undefined && errorType === undefined) return base;
    const last = this.#lastOutcome;
    if (
      last !== undefined &&
      last.base === base &&
      last.status === status &&
      last.errorType === errorType
    ) {
      return last.attributes;
    }
    const attributes = this.#outcome(base, status, errorType);
    this.#lastOutcome = { base, status, errorType, attributes };
    return attributes;
  }

  #outcome(base: Attributes, status: number | undefined, errorType: string | undefined) {
    let variants = this.#outcomes.get(base);
    if (variants === undefined) {
      variants = new Map();
      this.#outcomes.set(base, variants);
    }
    const key = `${status ?? ''}\0${errorType ?? ''}`;
    let attributes = variants.get(key);
    if (attributes !== undefined) return attributes;
    const built: Attributes = { ...base };
    if (status !== undefined) built['http.response.status_code'] = status;
    if (errorType !== undefined) built['error.type'] = errorType;
    attributes = Object.freeze(built);
    if (variants.size < MAX_OUTCOMES) variants.set(key, attributes);
    return attributes;
  }
}
