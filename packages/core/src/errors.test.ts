import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BraceError, isBraceError } from './errors.js';

class QuotaError extends BraceError {
  constructor(options?: { cause?: unknown }) {
    super('QUOTA_EXCEEDED', 'The quota is used up; wait for the reset.', options);
  }
}

describe('BraceError', () => {
  it('carries code, message, name of the subclass, and is an Error', () => {
    const error = new QuotaError();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BraceError);
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toBe('The quota is used up; wait for the reset.');
    expect(error.name).toBe('QuotaError');
    expect(new BraceError('X', 'y').name).toBe('BraceError');
    expect(error.stack).toContain('QuotaError');
  });

  it('keeps cause only when one is given (also an undefined cause)', () => {
    const root = new Error('socket hang up');
    expect(new QuotaError({ cause: root }).cause).toBe(root);
    expect('cause' in new QuotaError()).toBe(false);
    expect('cause' in new QuotaError({})).toBe(false);
    const explicit = new QuotaError({ cause: undefined });
    expect('cause' in explicit).toBe(true);
    expect(explicit.cause).toBeUndefined();
  });

  it('does not expose the brand as an enumerable property', () => {
    const error = new QuotaError();
    const brand = Symbol.for('@brace/core/BraceError');
    expect(Object.getOwnPropertyDescriptor(error, brand)).toMatchObject({
      value: true,
      enumerable: false,
      writable: false,
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'QUOTA_EXCEEDED',
      name: 'QuotaError',
    });
  });
});

describe('isBraceError', () => {
  it('recognises instances and checks the code when asked', () => {
    const error = new QuotaError();
    expect(isBraceError(error)).toBe(true);
    expect(isBraceError(error, 'QUOTA_EXCEEDED')).toBe(true);
    expect(isBraceError(error, 'OTHER')).toBe(false);
  });

  it('rejects non-Brace values', () => {
    for (const value of [
      undefined,
      null,
      0,
      'BraceError',
      new Error('x'),
      { code: 'QUOTA_EXCEEDED' },
      Object.assign(new Error('x'), { code: 'QUOTA_EXCEEDED' }),
      { [Symbol.for('@brace/core/BraceError')]: 'yes' },
      () => {},
    ]) {
      expect(isBraceError(value)).toBe(false);
    }
  });

  it('recognises an error created in another realm (node:vm)', () => {
    const context = vm.createContext({});
    const foreign = vm.runInContext(
      `class BraceError extends Error {
         constructor(code, message) {
           super(message);
           this.code = code;
           Object.defineProperty(this, Symbol.for('@brace/core/BraceError'), { value: true });
         }
       }
       new BraceError('RETRY_EXHAUSTED', 'gave up')`,
      context,
    ) as unknown;
    expect(foreign instanceof Error).toBe(false); // another realm's Error
    expect(foreign instanceof BraceError).toBe(false);
    expect(isBraceError(foreign)).toBe(true);
    expect(isBraceError(foreign, 'RETRY_EXHAUSTED')).toBe(true);
    expect(isBraceError(foreign, 'OTHER')).toBe(false);
  });

  it('recognises a plain object carrying the Symbol.for brand (another copy of core)', () => {
    const copy = { code: 'X', message: 'm', [Symbol.for('@brace/core/BraceError')]: true };
    expect(isBraceError(copy)).toBe(true);
    expect(isBraceError(copy, 'X')).toBe(true);
  });
});
