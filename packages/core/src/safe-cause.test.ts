import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BraceError,
  SAFE_CAUSE_MESSAGE_LIMIT,
  SafeCause,
  safeCause,
  scrubMessage,
} from './index.js';

const SECRET = 'sk_live_SECRET_4f9a';

function everything(value: unknown): string {
  return inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true });
}

describe('safeCause', () => {
  it('keeps name, code, errno and a scrubbed message; drops arguments, requests and bodies', () => {
    const driver = Object.assign(
      new Error(`ERR script failed on https://u:${SECRET}@db.example/x?token=${SECRET}`),
      {
        name: 'ReplyError',
        code: 'ERR',
        errno: 42,
        command: { name: 'evalsha', args: ['brace:idempotency:key', SECRET] },
        request: { headers: { authorization: `Bearer ${SECRET}` } },
        body: SECRET,
      },
    );
    const safe = safeCause(driver) as SafeCause;
    expect(safe).toBeInstanceOf(SafeCause);
    expect(safe.name).toBe('ReplyError');
    expect(safe.code).toBe('ERR');
    expect(safe.errno).toBe(42);
    expect(safe.message).toBe('ERR script failed on https://db.example/x?…');
    const wrapped = new BraceError('X', 'wrapped', { cause: safe });
    expect(everything(wrapped)).not.toContain(SECRET);
    expect(everything(wrapped)).toContain('ReplyError');
  });

  it("follows the cause chain, scrubbing each, and keeps SQLite's errcode as errno", () => {
    const inner = Object.assign(new Error('database is locked'), {
      code: 'ERR_SQLITE_ERROR',
      errcode: 5,
      sql: SECRET,
    });
    const outer = new Error('outer', { cause: inner });
    const safe = safeCause(outer) as SafeCause;
    const cause = safe.cause as SafeCause;
    expect(cause).toBeInstanceOf(SafeCause);
    expect(cause.errno).toBe(5);
    expect(cause.code).toBe('ERR_SQLITE_ERROR');
    expect(everything(safe)).not.toContain(SECRET);
  });

  it('a thrown string or number is withheld; undefined and null give no cause; a SafeCause is kept', () => {
    expect(safeCause(SECRET)?.message).toBe('A string was thrown (its value is withheld).');
    expect(safeCause(SECRET)?.name).toBe('NonError');
    expect(safeCause(undefined)).toBeUndefined();
    expect(safeCause(null)).toBeUndefined();
    const kept = new SafeCause('E', 'm');
    expect(safeCause(kept)).toBe(kept);
    // An object without name or message, a non-finite code, a cycle: all bounded.
    const odd: Record<string, unknown> = { code: Number.NaN, message: 7 };
    odd.cause = odd;
    const safe = safeCause(odd) as SafeCause;
    expect(safe.name).toBe('Error');
    expect(safe.message).toBe('');
    expect(safe.code).toBeUndefined();
    let depth = 0;
    for (let c: unknown = safe; c instanceof SafeCause; c = c.cause) depth++;
    expect(depth).toBe(5);
  });

  it('keeps the driver stack frames, with the scrubbed message as its one message line', () => {
    const driver = new Error('first line\nsecond line https://h/p?q=1');
    const lines = (safeCause(driver) as SafeCause).stack?.split('\n') ?? [];
    expect(lines[0]).toBe('Error: first line second line https://h/p?…');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((line) => line.startsWith('    at '))).toBe(true);
  });

  it('redacts the values passed to the driver, even from its message and cause chain', () => {
    const echo = new Error(`bad key ${SECRET} for owner tok-12345`, {
      cause: new Error(`again ${SECRET}`),
    });
    const safe = safeCause(echo, { redact: [SECRET, 'tok-12345', 'ab', ''] }) as SafeCause;
    expect(safe.message).toBe('bad key [redacted] for owner [redacted]');
    expect(everything(safe)).not.toContain(SECRET);
    // Values under 4 characters are left alone (they would blank out ordinary words).
    expect(safeCause(new Error('abc'), { redact: ['ab'] })?.message).toBe('abc');
  });
});

describe('scrubMessage', () => {
  it('removes user info, query strings and fragments from every URL, and control characters', () => {
    expect(
      scrubMessage(`GET https://user:${SECRET}@api.example.com/v1/x?api_key=${SECRET} failed`),
    ).toBe('GET https://api.example.com/v1/x?… failed');
    expect(
      scrubMessage(`redis://default:${SECRET}@127.0.0.1:6379/0 and postgres://h/db#${SECRET}`),
    ).toBe('redis://127.0.0.1:6379/0 and postgres://h/db?…');
    expect(scrubMessage('line\nbreak\u0000')).toBe('line break ');
    expect(scrubMessage('https://host/path@x')).toBe('https://host/path@x');
  });

  it('clips long messages', () => {
    const long = scrubMessage('a'.repeat(10_000));
    expect(long).toHaveLength(SAFE_CAUSE_MESSAGE_LIMIT + 1);
    expect(long.endsWith('…')).toBe(true);
  });

  it('property: a query value or a password in any URL never survives', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_]{8,20}$/).map((s) => `S3CR3T${s}`);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        secret,
        fc.constantFrom('https', 'http', 'redis', 'postgres'),
        (prefix, s, scheme) => {
          const text = `${prefix} ${scheme}://u:${s}@host.example/p?k=${s}&x=1 ${prefix}`;
          expect(scrubMessage(text)).not.toContain(s);
        },
      ),
    );
  });
});
