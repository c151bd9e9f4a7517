/** Finds the first argument that structured clone refuses and names its path, e.g. `args[1].onDone`. */
export function findUncloneable(args: unknown[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const found = locate(args[i], `args[${i}]`, new Set(), 0);
    if (found) return found;
  }
  return undefined;
}

function locate(value: unknown, path: string, seen: Set<unknown>, depth: number): string | undefined {
  if (typeof value === 'function') return `${path} is a function`;
  if (typeof value === 'symbol') return `${path} is a symbol`;
  if (value === null || typeof value !== 'object' || seen.has(value) || depth > 20) return undefined;
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    seen.add(value);
    const entries = value instanceof Map ? [...value.entries()].map(([k, v], i) => [`<map value ${i} (${String(k)})>`, v] as const)
      : value instanceof Set ? [...value].map((v, i) => [`<set item ${i}>`, v] as const)
      : Object.entries(value);
    for (const [key, child] of entries) {
      const found = locate(child, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen, depth + 1);
      if (found) return found;
    }
    return `${path} (${value.constructor?.name ?? 'object'}) cannot be cloned: ${(error as Error).message}`;
  }
}
