/**
 * ProcessSpec: what a process class declares in its static `define(spec)`: its input and output
 * ports. Built once per class, on first use, and sealed: ports cannot be added afterwards.
 */
import type { JsonObject } from '../persistence/bundle.js';
import { ProcessDefinitionError } from './errors.js';
import { Port, PortNamespace, checkValidator, type NamespaceOptions, type PortOptions } from './ports.js';

const PORT_KEYS = new Set(['validator', 'help', 'required', 'default']);
const NAMESPACE_KEYS = new Set(['help', 'required', 'dynamic', 'validator', 'valueValidator']);

function checkOptions(options: object | undefined, known: Set<string>, where: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new ProcessDefinitionError(`${where}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ProcessDefinitionError(`${where}: unknown option "${key}" (options: ${[...known].join(', ')})`);
  }
  checkValidator((options as { validator?: unknown }).validator, where);
  checkValidator((options as { valueValidator?: unknown }).valueValidator, where);
}

export class ProcessSpec {
  readonly inputs = new PortNamespace('inputs');
  readonly outputs = new PortNamespace('outputs');
  #sealed = false;
  /** @internal Set by Process.define, so that a define() that forgot `super.define(spec)` is caught. */
  baseDefined = false;

  /** Declares an input port; a dotted name (`input2.input2a`) declares it in a namespace. */
  input(name: string, options?: PortOptions): Port {
    checkOptions(options, PORT_KEYS, `spec.input('${name}')`);
    return this.inputs.add(name, (leaf) => new Port(leaf, { ...options })) as Port;
  }

  /** Declares an output port. Outputs have no defaults: a step emits them with `this.out(name, value)`. */
  output(name: string, options?: Omit<PortOptions, 'default'>): Port {
    checkOptions(options, PORT_KEYS, `spec.output('${name}')`);
    if (options !== undefined && 'default' in options) throw new ProcessDefinitionError(`spec.output('${name}'): output ports have no default`);
    return this.outputs.add(name, (leaf) => new Port(leaf, { ...options })) as Port;
  }

  /** Declares an input namespace (ports go in it with dotted names). */
  inputNamespace(name: string, options?: NamespaceOptions): PortNamespace {
    checkOptions(options, NAMESPACE_KEYS, `spec.inputNamespace('${name}')`);
    return this.inputs.add(name, (leaf) => new PortNamespace(leaf, { ...options })) as PortNamespace;
  }

  /** Declares an output namespace. */
  outputNamespace(name: string, options?: NamespaceOptions): PortNamespace {
    checkOptions(options, NAMESPACE_KEYS, `spec.outputNamespace('${name}')`);
    return this.outputs.add(name, (leaf) => new PortNamespace(leaf, { ...options })) as PortNamespace;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  /** @internal Called once define() has returned, with the class it defined (work chains resolve their outline). */
  resolve(_cls: Function): void {}

  /** @internal Called once define() has returned. */
  seal(): void {
    this.#sealed = true;
    this.inputs.seal();
    this.outputs.seal();
  }

  /** A JSON description of the ports (and, for a work chain, its outline). */
  getDescription(): JsonObject {
    return { inputs: this.inputs.describe(), outputs: this.outputs.describe() };
  }
}
