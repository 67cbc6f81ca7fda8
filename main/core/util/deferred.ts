/** A promise with its resolve function exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  settled: boolean;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const d = { settled: false } as Deferred<T>;
  d.promise = new Promise<T>((r) => {
    resolve = r;
  });
  d.resolve = (value: T) => {
    if (d.settled) return;
    d.settled = true;
    resolve(value);
  };
  return d;
}
