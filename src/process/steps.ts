/**
 * Steps are methods, named in checkpoints. A function given as a step (in a command or an outline)
 * is found by identity on the class's prototype chain, so `Continue(this.next)` stores "next" and a
 * restored process calls its own `next` again. Arrow functions, bound functions and closures have
 * no name there, and are refused where they are given rather than when a checkpoint is loaded.
 */
const cache = new WeakMap<object, Map<Function, string>>();

function methodsOf(proto: object): Map<Function, string> {
  let methods = cache.get(proto);
  if (methods === undefined) {
    methods = new Map();
    // Walk from the most derived class up, so an override is found under its own name first.
    for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Object.getOwnPropertyNames(p)) {
        if (key === 'constructor') continue;
        const descriptor = Object.getOwnPropertyDescriptor(p, key);
        if (typeof descriptor?.value === 'function' && !methods.has(descriptor.value)) methods.set(descriptor.value, key);
      }
    }
    cache.set(proto, methods);
  }
  return methods;
}

/** The method name of `fn` on `instanceOrProto`'s class, or undefined. */
export function methodName(instanceOrProto: object, fn: Function): string | undefined {
  const proto = Object.hasOwn(instanceOrProto, 'constructor') ? instanceOrProto : Object.getPrototypeOf(instanceOrProto);
  return methodsOf(proto).get(fn);
}

/** The method called `name` of `target`'s class, or undefined. */
export function methodNamed(target: object, name: string): Function | undefined {
  const value: unknown = (target as Record<string, unknown>)[name];
  if (typeof value !== 'function') return undefined;
  return methodName(target, value) === name ? value : undefined;
}
