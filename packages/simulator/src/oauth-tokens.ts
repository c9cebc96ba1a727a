import { type Random, randomHex } from './random.js';

/** What the server knows about one issued token. */
export interface TokenRecord {
  kind: 'access' | 'refresh';
  clientId: string;
  scope: string;
  /** Unix ms; `Infinity` for a refresh token that never expires. */
  expiresAt: number;
  /** The grant this token belongs to: one client-credentials grant or one refresh chain. */
  family: string;
  /** A refresh token already exchanged (rotation): presenting it again is a reuse. */
  used: boolean;
}

/** The state of one grant (a family of tokens). */
interface Family {
  revoked: boolean;
}

/**
 * Tokens and grant families, bounded: past `maxTokens` the oldest tokens are forgotten
 * (a forgotten token then reads as unknown, which is what a real server does after cleanup),
 * and so are the families that minted least recently (past `maxTokens` of them, none of their
 * tokens is left).
 */
export class TokenStore {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #families = new Map<string, Family>();
  #familySeq = 0;

  constructor(
    readonly random: Random,
    readonly maxTokens: number,
  ) {}

  /** A new family id. */
  newFamily(): string {
    const id = `fam_${(++this.#familySeq).toString(36)}`;
    this.#families.set(id, { revoked: false });
    return id;
  }

  /** Mints an opaque token (`sim_at_…` or `sim_rt_…`) into `record.family`. */
  mint(record: Omit<TokenRecord, 'used'>): string {
    const prefix = record.kind === 'access' ? 'sim_at_' : 'sim_rt_';
    const token = `${prefix}${randomHex(this.random, 16)}`;
    this.#tokens.set(token, { ...record, used: false });
    const family = this.#families.get(record.family);
    if (family !== undefined) {
      // Most recently minted last: the families forgotten first have no token left.
      this.#families.delete(record.family);
      this.#families.set(record.family, family);
    }
    while (this.#tokens.size > this.maxTokens) {
      const oldest = this.#tokens.keys().next().value as string;
      this.#tokens.delete(oldest);
    }
    this.#forgetFamilies();
    return token;
  }

  /** How many families are remembered. */
  get familyCount(): number {
    return this.#families.size;
  }

  #forgetFamilies(): void {
    while (this.#families.size > this.maxTokens) {
      this.#families.delete(this.#families.keys().next().value as string);
    }
  }

  get(token: string): TokenRecord | undefined {
    return this.#tokens.get(token);
  }

  isRevoked(family: string): boolean {
    return this.#families.get(family)?.revoked ?? true;
  }

  /** Revokes every token of a family; false when it was already revoked (or unknown). */
  revokeFamily(family: string): boolean {
    const entry = this.#families.get(family);
    if (entry === undefined || entry.revoked) return false;
    entry.revoked = true;
    return true;
  }
}

/**
 * The live access token a Bearer `Authorization` header names (RFC 6750 §2.1), or why there is
 * none: `'missing'` (no Bearer token) or `'invalid'` (unknown, not an access token, or revoked).
 * Counts nothing.
 */
export function bearerRecord(
  store: TokenStore,
  header: string,
): TokenRecord | 'missing' | 'invalid' {
  const match = /^bearer +([\x21-\x7e]{1,512})$/i.exec(header.trim());
  if (match === null) return 'missing';
  const record = store.get(match[1] as string);
  if (record === undefined || record.kind !== 'access' || store.isRevoked(record.family))
    return 'invalid';
  return record;
}
