/** One holder at a time per key (per repository), in arrival order; other keys run in parallel. */
export interface KeyedLock {
  /** Run `fn` once every earlier holder of `key` has finished; resolves or rejects with `fn`. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Keys currently held or waited for. */
  readonly size: number;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<void>>();
  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      await previous;
      try {
        return await fn();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    get size() {
      return tails.size;
    },
  };
}
