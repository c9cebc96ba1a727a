import { describe, expect, it } from 'vitest';
import { Deque } from './deque.js';

describe('Deque', () => {
  it('pushes, unshifts, shifts and pops at both ends, growing as needed', () => {
    const d = new Deque<number>();
    expect([d.shift(), d.pop(), d.peek()]).toEqual([undefined, undefined, undefined]);
    for (let i = 0; i < 10; i++) d.unshift(i); // grows while wrapped around
    for (let i = 10; i < 20; i++) d.push(i);
    expect(d.size).toBe(20);
    expect([d.peek(), d.pop(), d.shift()]).toEqual([9, 19, 9]);
    const rest: number[] = [];
    for (let x = d.shift(); x !== undefined; x = d.shift()) rest.push(x);
    expect(rest).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    d.push(1);
    d.push(2);
    d.push(3);
    d.filter((x) => x !== 2);
    expect([d.pop(), d.pop(), d.pop()]).toEqual([3, 1, undefined]);
  });
});
