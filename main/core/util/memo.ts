/**
 * A pure function of one string, remembered: for the handful of JIDs and phone numbers that every
 * message runs through the same normalisation several times (scope keys, conversation keys, the
 * engine, the pipeline, the outbox). Bounded: when full it starts over, so a long run with many
 * contacts keeps at most `max` results.
 */
export function memoizeString<T>(fn: (input: string) => T, max = 4_096): (input: string) => T {
  const results = new Map<string, T>();
  return (input) => {
    const known = results.get(input);
    if (known !== undefined || results.has(input)) return known as T;
    const value = fn(input);
    if (results.size >= max) results.clear();
    results.set(input, value);
    return value;
  };
}
