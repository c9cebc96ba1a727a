import { BraceError } from '@brace/core';
import { describe, expect, it } from 'vitest';
import {
  headersOf,
  isNetworkError,
  isRetryableError,
  isTimeoutError,
  RETRYABLE_STATUS_CODES,
  serverDelayOf,
  statusOf,
} from './classify.js';
import { CircuitOpenError } from './errors.js';

describe('classification', () => {
  it('reads the status from status, statusCode or response.status', () => {
    expect(statusOf({ status: 503 })).toBe(503);
    expect(statusOf({ statusCode: 429 })).toBe(429);
    expect(statusOf({ response: { status: 500 } })).toBe(500);
    expect(statusOf({ response: { status: '500' } })).toBeUndefined();
    expect(statusOf(new Error('x'))).toBeUndefined();
    expect(statusOf('503')).toBeUndefined();
    expect(statusOf(null)).toBeUndefined();
  });

  it('retries exactly 408, 429, 500, 502, 503, 504 among statuses', () => {
    expect(RETRYABLE_STATUS_CODES).toEqual([408, 429, 500, 502, 503, 504]);
    for (let status = 100; status < 600; status++) {
      expect(isRetryableError({ status })).toBe(RETRYABLE_STATUS_CODES.includes(status));
    }
  });

  it('recognises network errors across runtimes and in cause chains', () => {
    expect(isNetworkError(new TypeError('fetch failed'))).toBe(true);
    expect(isNetworkError(new TypeError('Failed to fetch'))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('read'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isNetworkError(new TypeError('x', { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('n'), { name: 'NetworkError' }))).toBe(true);
    expect(isNetworkError(new TypeError('undefined is not a function'))).toBe(false);
    expect(isNetworkError(new Error('fetch failed'))).toBe(false);
    expect(isNetworkError('ECONNRESET')).toBe(false);
    // cause chains are followed only 4 deep (bounded work on hostile input)
    let deep: unknown = { code: 'ECONNRESET', name: 'TimeoutError' };
    for (let i = 0; i < 4; i++) deep = { cause: deep };
    expect(isNetworkError(deep)).toBe(false);
    expect(isTimeoutError(deep)).toBe(false);
    expect(isRetryableError(new TypeError('fetch failed'))).toBe(true);
  });

  it('retries timeouts only when asked, never aborts or Brace errors', () => {
    const timeout = new DOMException('t', 'TimeoutError');
    expect(isTimeoutError(timeout)).toBe(true);
    expect(isTimeoutError(new Error('wrapped', { cause: timeout }))).toBe(true);
    expect(isTimeoutError(new Error('plain'))).toBe(false);
    expect(isRetryableError(timeout)).toBe(false);
    expect(isRetryableError(timeout, { retryOnTimeout: true })).toBe(true);
    expect(isRetryableError(new DOMException('a', 'AbortError'))).toBe(false);
    expect(isRetryableError(new CircuitOpenError('h', 10, 0))).toBe(false);
    expect(isRetryableError(Object.assign(new BraceError('X', 'x'), { status: 503 }))).toBe(false);
    expect(isRetryableError(new Error('unknown'))).toBe(false);
  });

  it('reads response headers and the server delay from errors', () => {
    const headers = new Headers({ 'retry-after': '3' });
    expect(headersOf({ response: { headers } })).toBe(headers);
    expect(headersOf({ headers: { 'Retry-After': '1' } })).toEqual({ 'Retry-After': '1' });
    expect(headersOf({})).toBeUndefined();
    expect(headersOf(undefined)).toBeUndefined();
    expect(serverDelayOf({ response: { headers } })).toBe(3_000);
    expect(serverDelayOf({ headers: { 'retry-after': 'soon' } })).toBeUndefined();
    expect(serverDelayOf(new Error('no headers'))).toBeUndefined();
    const now = Date.UTC(2026, 0, 1);
    const date = new Date(now + 7_000).toUTCString();
    expect(serverDelayOf({ headers: { 'retry-after': date } }, now)).toBe(7_000);
    // A headers object that throws when read is treated as "no server timing".
    const trap = () => {
      throw new Error('boom');
    };
    const hostile = {
      headers: new Proxy({}, { ownKeys: trap, get: trap, getOwnPropertyDescriptor: trap }),
    };
    expect(serverDelayOf(hostile)).toBeUndefined();
  });
});
