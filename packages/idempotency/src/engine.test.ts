import { describe, expect, it } from 'vitest';
import { splitUrl } from './engine.js';

describe('splitUrl', () => {
  it('splits absolute and origin-form URLs into path and query, dropping the fragment', () => {
    expect(splitUrl('http://a.test/orders?x=1#frag')).toEqual({ path: '/orders', search: '?x=1' });
    expect(splitUrl('https://a.test/orders#f?not-query')).toEqual({ path: '/orders', search: '' });
    expect(splitUrl('http://a.test')).toEqual({ path: '/', search: '' });
    expect(splitUrl('/orders/1?a=b&c')).toEqual({ path: '/orders/1', search: '?a=b&c' });
    expect(splitUrl('/orders')).toEqual({ path: '/orders', search: '' });
  });
});
