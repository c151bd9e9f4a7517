import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ValidationError } from '../core/errors.js';
import { argsError, integerOption } from './args.js';
import { parseRange, type IntegerRange } from './inputs.js';

/** The backends `taskfarm run --backend` can use. */
export const BACKENDS = ['threads', 'processes'] as const;
export type Backend = (typeof BACKENDS)[number];

/** What `taskfarm run` was asked to do, checked. */
export interface RunConfig {
  help: boolean;
  /** `<module>#<export>` as typed. */
  task: string;
  /** Exactly one of `range` and `input`. */
  range?: IntegerRange;
  /** Path of the JSONL input file, as typed. */
  input?: string;
  workers: number;
  backend: Backend;
  /** Run time limit of each task, in milliseconds. */
  timeout?: number;
  /** Extra attempts after a failure. */
  retries: number;
  /** Path of the output file, as typed; results go to stdout without it. */
  out?: string;
  quiet: boolean;
  /** Run on the engines of a farm on Redis instead of a local pool. */
  redis?: { url: string; queue?: string; prefix?: string };
}

const OPTIONS = {
  input: { type: 'string', short: 'i' },
  range: { type: 'string', short: 'r' },
  workers: { type: 'string', short: 'w' },
  backend: { type: 'string', short: 'b' },
  timeout: { type: 'string', short: 't' },
  retries: { type: 'string' },
  out: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  redis: { type: 'string' },
  queue: { type: 'string' },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses and checks the arguments of `taskfarm run`; every problem is a {@link ValidationError}. */
export function parseRunArgs(argv: string[]): RunConfig {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw argsError('run', error);
  }
  const { values, positionals } = parsed;
  const quiet = values.quiet ?? false;
  if (values.help) return { help: true, task: '', workers: 1, backend: 'threads', retries: 0, quiet };

  if (positionals.length === 0) throw new ValidationError(`'run' needs a task: taskfarm run <module>#<export> --range A..B (see 'taskfarm run --help')`);
  if (positionals.length > 1) {
    throw new ValidationError(`'run' takes one task, got ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(' ')}`);
  }
  const task = positionals[0]!;
  if (!task.includes('#')) throw new ValidationError(`'${task}' is not a task: write <module>#<export>, e.g. ./tasks.js#fib`);

  if (values.input !== undefined && values.range !== undefined) {
    throw new ValidationError(`give either --input or --range, not both`);
  }
  if (values.input === undefined && values.range === undefined) {
    throw new ValidationError(`'run' needs inputs: --range A..B or --input file.jsonl (see 'taskfarm run --help')`);
  }
  if (values.input === '') throw new ValidationError(`--input needs a file path`);
  if (values.out === '') throw new ValidationError(`--out needs a file path`);

  const backend = values.backend ?? 'threads';
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new ValidationError(`invalid --backend '${backend}': expected ${BACKENDS.join(' or ')}`);
  }

  const redis = redisOption(values);
  return {
    help: false,
    task,
    range: values.range === undefined ? undefined : parseRange(values.range),
    input: values.input,
    workers: integerOption('--workers', values.workers, 1, 4096) ?? availableParallelism(),
    backend: backend as Backend,
    timeout: integerOption('--timeout', values.timeout, 1, 2 ** 31 - 1),
    retries: integerOption('--retries', values.retries, 0, 1000) ?? 0,
    out: values.out,
    quiet,
    redis,
  };
}

/** `--redis URL [--queue NAME] [--prefix NAME]`: the farm's engines run the tasks, not a local pool. */
function redisOption(values: { redis?: string; queue?: string; prefix?: string; workers?: string; backend?: string }): RunConfig['redis'] {
  if (values.redis === undefined) {
    const stray = values.queue !== undefined ? '--queue' : values.prefix !== undefined ? '--prefix' : undefined;
    if (stray) throw new ValidationError(`${stray} names a farm on Redis: give --redis URL too`);
    return undefined;
  }
  if (values.redis === '') throw new ValidationError(`--redis needs a URL: redis://host:port`);
  const local = values.workers !== undefined ? '--workers' : values.backend !== undefined ? '--backend' : undefined;
  if (local) throw new ValidationError(`${local} sizes a local pool; with --redis the farm's engines run the tasks (size them with 'taskfarm worker --workers')`);
  return { url: values.redis, queue: values.queue, prefix: values.prefix };
}
