/**
 * Inputs and outputs (notebook cell 11): a spec with ports, a help string, a default, namespaces
 * with dotted names, and a validator (zod here; any Standard Schema validator or a function works).
 * The type parameters give `this.inputs` and `this.out(...)` their types.
 *
 *   npx tsx examples/process/spec.ts
 */
import { inspect } from 'node:util';
import { z } from 'zod';
import { Process, type Default, type ProcessSpec } from '../../src/index.js';
import { isMain, show, type Log } from './helpers.js';

interface SpecInputs {
  input1: string;
  input2: { input2a: string; input2b: Default<string> };
}

interface SpecOutputs {
  output1: string;
  output2: { output2a: string; output2b: string };
}

export class SpecProcess extends Process<SpecInputs, SpecOutputs> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('input1', { validator: z.string(), help: 'A help string' });
    spec.output('output1');

    spec.inputNamespace('input2');
    spec.input('input2.input2a');
    spec.input('input2.input2b', { default: 'default' });

    spec.outputNamespace('output2');
    spec.output('output2.output2a');
    spec.output('output2.output2b');
  }

  override run(): void {
    this.out('output1', this.inputs.input1);
    this.out('output2.output2a', this.inputs.input2.input2a);
    this.out('output2.output2b', this.inputs.input2.input2b);
  }
}

export async function main(log: Log = console.log): Promise<{ description: object; outputs: SpecOutputs }> {
  const description = SpecProcess.spec().getDescription();
  log(inspect(description, { depth: Infinity })); // pprint(SpecProcess.spec().get_description())
  const process = new SpecProcess({
    input1: 'my input',
    input2: { input2a: 'other input' },
  });
  const outputs = await process.execute();
  log(show(outputs)); // { output1: 'my input', output2: { output2a: 'other input', output2b: 'default' } }
  return { description, outputs };
}

if (isMain(import.meta.url)) await main();
