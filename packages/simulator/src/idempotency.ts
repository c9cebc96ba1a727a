/** A buffered answer. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /**
   * No endpoint began executing (the parameters failed validation, the route is unknown): the
   * answer is not saved under the request's idempotency key, so a corrected retry runs.
   */
  rejected?: true;
}

interface Saved {
  fingerprint: string;
  answer: Answer | undefined;
  expiresAt: number;
}

/** Keys kept at most; the oldest are forgotten first. */
export const MAX_IDEMPOTENCY_KEYS = 100_000;

/** The provider's idempotency-key records: in flight, then the saved answer until `ttlMs`. */
export class IdempotencyKeys {
  readonly #saved = new Map<string, Saved>();

  /**
   * Looks the key up: `new` (now claimed), `replay` with the saved answer, `mismatch` (another
   * payload), or `in-flight`.
   */
  claim(
    key: string,
    fingerprint: string,
    now: number,
    ttlMs: number,
  ):
    | { kind: 'new' }
    | { kind: 'replay'; answer: Answer }
    | { kind: 'mismatch' }
    | { kind: 'in-flight' } {
    const saved = this.#saved.get(key);
    if (saved !== undefined && saved.expiresAt > now) {
      if (saved.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return saved.answer === undefined
        ? { kind: 'in-flight' }
        : { kind: 'replay', answer: saved.answer };
    }
    this.#saved.delete(key);
    if (this.#saved.size >= MAX_IDEMPOTENCY_KEYS)
      this.#saved.delete(this.#saved.keys().next().value as string);
    this.#saved.set(key, { fingerprint, answer: undefined, expiresAt: now + ttlMs });
    return { kind: 'new' };
  }

  /** Saves the answer of a claimed key. */
  finish(key: string, answer: Answer): void {
    const saved = this.#saved.get(key);
    if (saved !== undefined) saved.answer = answer;
  }

  /** Releases a claim whose handler failed, so a retry runs again. */
  release(key: string): void {
    const saved = this.#saved.get(key);
    if (saved !== undefined && saved.answer === undefined) this.#saved.delete(key);
  }
}
