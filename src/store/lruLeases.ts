// At most `capacity` open things (connection pools), the least recently used
// closed first. A thing in use is never closed under its user: the cache may
// hold more than `capacity` while all of them are leased, and shrinks back as
// leases end.

export interface Lease<V> {
  readonly value: V;
  /** Ends this use; the value stays open for the next one until evicted. */
  release(): void;
}

interface Entry<V> {
  value: Promise<V>;
  users: number;
}

export class LruLeases<V> {
  /** Map order is recency: an entry is moved to the end whenever it is used. */
  private readonly entries = new Map<string, Entry<V>>();
  private readonly disposing = new Set<Promise<void>>();

  constructor(
    private readonly capacity: number,
    private readonly dispose: (value: V) => Promise<void>,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  async acquire(key: string, create: () => Promise<V>): Promise<Lease<V>> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = { value: create(), users: 0 };
      const created = entry;
      created.value.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    entry.users++;
    this.evict();
    let value: V;
    try {
      value = await entry.value;
    } catch (error) {
      entry.users--;
      throw error;
    }
    let released = false;
    const leased = entry;
    return {
      value,
      release: () => {
        if (released) return;
        released = true;
        leased.users--;
        this.evict();
      },
    };
  }

  /** Closes `key` now (e.g. its database is about to be dropped), waiting for nobody. */
  async remove(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    await this.disposeEntry(entry);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => this.disposeEntry(entry)));
    await Promise.all(this.disposing);
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.users > 0) continue;
      this.entries.delete(key);
      const disposed = this.disposeEntry(entry);
      this.disposing.add(disposed);
      void disposed.finally(() => this.disposing.delete(disposed));
    }
  }

  private disposeEntry(entry: Entry<V>): Promise<void> {
    return entry.value.then(this.dispose, () => {}).catch(() => {});
  }
}
