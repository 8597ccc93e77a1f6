/** A bound of InMemoryLaunchStateStore: the default when omitted, else a positive integer (misuse is a TypeError). */
export function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`InMemoryLaunchStateStore needs ${name} as a positive integer`);
  return value;
}
