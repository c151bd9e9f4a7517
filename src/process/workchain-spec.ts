/**
 * WorkChainSpec: a ProcessSpec with an outline. `spec.outline(...entries)` takes methods and
 * instructions (`spec.outline(this.prototype.step1, while_(this.prototype.cond)(...))`), or a
 * function of a typed proxy over the class's methods (`spec.outline(s => [s.step1, ...])` with
 * `spec: WorkChainSpec<MyChain>`); both are resolved to method names when the spec is built.
 */
import type { JsonObject } from '../persistence/bundle.js';
import { ProcessDefinitionError } from './errors.js';
import { describeOutline, resolveOutline, return_, stepProxy, type OutlineEntry, type ReservedNames, type Resolved } from './outline.js';
import { ProcessSpec } from './spec.js';
import { methodName } from './steps.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped by default; `WorkChainSpec<MyChain>` types the proxy
export class WorkChainSpec<W = any> extends ProcessSpec {
  #entries: readonly unknown[] = [];
  #outline: Resolved[] = [];

  constructor(private readonly reserved: ReservedNames = () => false) {
    super();
  }

  /** Sets the outline: steps and instructions, in order. */
  outline(...entries: OutlineEntry[]): void;
  /** Sets the outline from a function of the class's methods: `spec.outline(s => [s.init, while_(s.more)(s.step)])`. */
  outline(factory: (s: W) => OutlineEntry[]): void;
  outline(...entries: unknown[]): void {
    if (this.sealed) throw new ProcessDefinitionError('cannot set the outline: the spec is sealed once define() has returned');
    this.#entries = entries;
  }

  /** @internal */
  override resolve(cls: Function): void {
    super.resolve(cls);
    const proto = cls.prototype as object;
    let entries = this.#entries;
    const [first] = entries;
    if (entries.length === 1 && typeof first === 'function' && first !== return_ && methodName(proto, first) === undefined) {
      const made: unknown = (first as (s: unknown) => unknown)(stepProxy(proto, cls.name));
      if (!Array.isArray(made)) throw new ProcessDefinitionError(`the outline of ${cls.name}: spec.outline(s => [...]) must return an array`);
      entries = made;
    }
    this.#outline = resolveOutline(entries, proto, cls.name, this.reserved);
  }

  /** @internal The resolved outline. */
  get steps(): readonly Resolved[] {
    return this.#outline;
  }

  override getDescription(): JsonObject {
    return { ...super.getDescription(), outline: describeOutline(this.#outline) };
  }
}
