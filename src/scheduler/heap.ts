/** A binary min-heap keyed by a number, with removal by handle: the scheduler's one structure. */

/** An entry of the heap; `index` is maintained by the heap. */
export interface HeapItem {
  /** Sort key (smallest first). */
  key: number;
  /** Position in the heap, -1 when not in it. */
  index: number;
}

/** A min-heap of items ordered by `key`. */
export class MinHeap<T extends HeapItem> {
  private items: T[] = [];

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest item, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an item. */
  push(item: T): void {
    item.index = this.items.length;
    this.items.push(item);
    this.up(item.index);
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  /** Removes an item wherever it is. */
  remove(item: T): void {
    const i = item.index;
    if (i < 0 || this.items[i] !== item) return;
    const last = this.items.pop() as T;
    item.index = -1;
    if (i === this.items.length) return;
    this.items[i] = last;
    last.index = i;
    this.down(i);
    this.up(last.index);
  }

  private swap(a: number, b: number): void {
    const x = this.items[a] as T;
    const y = this.items[b] as T;
    this.items[a] = y;
    this.items[b] = x;
    x.index = b;
    y.index = a;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.items[parent] as T).key <= (this.items[i] as T).key) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && (this.items[l] as T).key < (this.items[m] as T).key) m = l;
      if (r < n && (this.items[r] as T).key < (this.items[m] as T).key) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
