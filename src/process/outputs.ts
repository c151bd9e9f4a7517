/**
 * Emitting an output: the dotted path must name a declared output port (or fall in a dynamic
 * namespace) and the value must pass the port's validator, checked when it is emitted.
 */
import { UnknownPortError } from './errors.js';
import { PortNamespace, runValidator, validateNamespace } from './ports.js';

/** Checks an output; returns whether it is dynamic (not a declared port). Throws the port error. */
export function checkOutput(outputs: PortNamespace, path: string, value: unknown, owner: string): boolean {
  const segments = path.split('.');
  const at = `outputs.${path}`;
  let node = outputs;
  for (const [i, segment] of segments.entries()) {
    const port = node.ports.get(segment);
    const last = i === segments.length - 1;
    const here = ['outputs', ...segments.slice(0, i)].join('.');
    if (port === undefined) {
      if (!node.dynamic) {
        throw new UnknownPortError(`${at} is not an output port of ${owner}; the ports of ${here} are: ${[...node.ports.keys()].join(', ') || 'none'}`, { path: at });
      }
      if (last && node.options.valueValidator !== undefined) runValidator(node.options.valueValidator, value, at);
      return true;
    }
    if (port instanceof PortNamespace) {
      if (last) validateNamespace(port, value, at, { defaults: false, required: false, validators: true, owner });
      node = port;
    } else {
      if (!last) throw new UnknownPortError(`${at}: ${here}.${segment} is a port, not a namespace`, { path: at });
      if (port.options.validator !== undefined) runValidator(port.options.validator, value, at);
    }
  }
  return false;
}

/** Sets `outputs[a][b]... = value` for the path `a.b...`, creating namespace objects on the way. */
export function setOutput(outputs: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = outputs;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments.at(-1)!] = value;
}
