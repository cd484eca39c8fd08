/**
 * Runs tasks with the same key one after another (different keys run concurrently). Within one
 * process this keeps two writers of one thread's view from interleaving; across processes the
 * converge loop is what guarantees correctness, this only saves it wasted rounds.
 */
export function keyedSerializer() {
  const tails = new Map<string, Promise<unknown>>();
  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
