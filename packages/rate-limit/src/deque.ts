/**
 * @internal A growable ring buffer: O(1) push, unshift, shift and peek, no `Array#shift`.
 */
export class Deque<T> {
  private items: Array<T | undefined> = new Array(8);
  private head = 0;
  private mask = 7;
  /** Number of items held. */
  size = 0;

  push(item: T): void {
    if (this.size > this.mask) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  unshift(item: T): void {
    if (this.size > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.size++;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** Removes and returns the last item. */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    this.size--;
    const at = (this.head + this.size) & this.mask;
    const item = this.items[at];
    this.items[at] = undefined;
    return item;
  }

  /** The items, in order. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  /** Keeps only the items for which `keep` is true, in order. */
  filter(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.size; i++) {
      const item = this.items[(this.head + i) & this.mask] as T;
      if (keep(item)) kept.push(item);
    }
    let capacity = 8;
    while (capacity < kept.length) capacity *= 2;
    this.items = new Array(capacity);
    for (let i = 0; i < kept.length; i++) this.items[i] = kept[i];
    this.head = 0;
    this.mask = capacity - 1;
    this.size = kept.length;
  }

  private grow(): void {
    const old = this.items;
    const capacity = old.length * 2;
    const items: Array<T | undefined> = new Array(capacity);
    for (let i = 0; i < this.size; i++) items[i] = old[(this.head + i) & this.mask];
    this.items = items;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
