/** Makes every property optional, recursively (arrays are replaced, not merged). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Deep-merges plain objects: `override` wins; arrays and class instances are replaced whole;
 * undefined keeps the base. Keys listed in `atomic` (label maps) are replaced whole too: merging
 * `{ app: 'coredns' }` into `{ 'k8s-app': 'kube-dns' }` would select no pod at all.
 */
export function mergeDeep<T>(base: T, override: DeepPartial<T> | undefined, atomic: ReadonlySet<string> = new Set()): T {
  if (override === undefined) {
    return base;
  }
  if (!isPlainObject(base) || !isPlainObject(override)) {
    return override as T;
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value !== undefined) {
      out[key] = key in base && !atomic.has(key) ? mergeDeep(base[key], value, atomic) : value;
    }
  }
  return out as T;
}
