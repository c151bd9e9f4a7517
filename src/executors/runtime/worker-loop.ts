import { deserializeError, serializeError } from '../../core/error-codec.js';
import { TaskDefinitionError } from '../../core/errors.js';
import { now } from '../../core/ids.js';
import { explainSourceError, loadTask } from '../../task/loader.js';
import type { TaskSpec } from '../../task/spec.js';
import type { FromWorker, ToWorker, WireResult, WireTask } from './protocol.js';
import { setCurrentContext, TaskContextImpl } from './context.js';

/** What a worker runtime (thread or child process) provides to the shared loop. */
export interface WorkerPort {
  /** Sends a message to the pool; throws if a value cannot be serialized. */
  send(message: FromWorker): void;
  onMessage(handler: (message: ToWorker) => void): void;
  /** Claims the next task of generation `gen`; false when the pool took it back (see ThreadHandle). */
  claim(gen: number): boolean;
  /** Leaves after a `close` message. */
  exit(): void;
  /** Memory in use by this worker, in bytes. */
  memory(): number;
}

/** Results are sent when the batch is done, or earlier when they have waited this long. */
const FLUSH_AFTER_MS = 1;

interface Entry {
  gen: number;
  task: WireTask;
}

/** Runs tasks one at a time, in the order they arrive, and reports results in batches. */
export function runWorkerLoop(port: WorkerPort, workerId: string, reportMemory: boolean): { flush(): void } {
  const specs = new Map<number, TaskSpec>();
  const loaded = new Map<number, Function>();
  const loadErrors = new Map<number, unknown>();
  const inbox: Entry[] = [];
  let head = 0;
  let results: WireResult[] = [];
  let lastFlush = now();
  let running = false;
  let closing = false;
  let current: { num: number; context: TaskContextImpl } | undefined;

  const flush = (): void => {
    if (results.length === 0) return;
    const batch = results;
    results = [];
    lastFlush = now();
    const memory = reportMemory ? port.memory() : undefined;
    try {
      port.send({ t: 'results', results: batch, memory });
    } catch {
      // One value could not be serialized; send the rest one by one and replace the culprits.
      for (const result of batch) sendAlone(result);
    }
  };

  const sendAlone = (result: WireResult): void => {
    try {
      port.send({ t: 'results', results: [result] });
    } catch (error) {
      const cause = new TaskDefinitionError(
        `The task's ${result[1] ? 'return value' : 'error'} cannot be sent back from the worker: ${(error as Error).message}. ` +
          'Return plain data (structured-cloneable: objects, arrays, Map, Set, Date, typed arrays, BigInt...).',
      );
      port.send({ t: 'results', results: [[result[0], 0, serializeError(cause), result[3], result[4]]] });
    }
  };

  const resolve = async (defId: number): Promise<void> => {
    if (loadErrors.has(defId)) throw loadErrors.get(defId);
    const spec = specs.get(defId);
    if (!spec) throw new TaskDefinitionError(`Unknown task definition ${defId} in worker ${workerId}`);
    try {
      loaded.set(defId, await loadTask(spec));
    } catch (error) {
      loadErrors.set(defId, error); // every later task of this definition fails the same way, at once
      throw error;
    }
  };

  const finish = (num: number, ok: 1 | 0, payload: unknown, startedAt: number, defId: number): void => {
    if (ok === 0) {
      const spec = specs.get(defId);
      payload = serializeError(spec?.kind === 'source' ? explainSourceError(payload, spec.name) : payload);
    }
    results.push([num, ok, payload, startedAt, now()]);
    current = undefined;
    setCurrentContext(undefined);
  };

  /** Runs one task; returns a promise only when the task (or its first load) is really asynchronous. */
  const runOne = (entry: Entry): Promise<void> | undefined => {
    const [num, defId, args] = entry.task;
    const fn = loaded.get(defId);
    if (!fn) return resolve(defId).then(() => runOne(entry), (error: unknown) => finish(num, 0, error, now(), defId));
    const startedAt = now();
    const context = new TaskContextImpl(workerId);
    current = { num, context };
    setCurrentContext(context);
    let value: unknown;
    try {
      value = fn.apply(context, args);
    } catch (error) {
      finish(num, 0, error, startedAt, defId);
      return undefined;
    }
    if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(value).then(
        (resolved) => finish(num, 1, resolved, startedAt, defId),
        (error: unknown) => finish(num, 0, error, startedAt, defId),
      );
    }
    finish(num, 1, value, startedAt, defId);
    return undefined;
  };

  const drain = async (): Promise<void> => {
    running = true;
    while (head < inbox.length) {
      const entry = inbox[head]!;
      head += 1;
      if (!port.claim(entry.gen)) continue; // taken back by the pool for another worker
      const pending = runOne(entry);
      if (pending) await pending;
      if (head === inbox.length || now() - lastFlush >= FLUSH_AFTER_MS) flush();
    }
    inbox.length = 0;
    head = 0;
    flush();
    running = false;
    if (closing) port.exit();
  };

  port.onMessage((message) => {
    switch (message.t) {
      case 'run':
        if (message.defs) for (const [id, spec] of message.defs) specs.set(id, spec);
        for (const task of message.tasks) inbox.push({ gen: message.gen, task });
        if (!running) void drain();
        break;
      case 'abort':
        if (current?.num === message.num) current.context.abort(deserializeError(message.reason));
        break;
      case 'close':
        closing = true;
        if (!running) port.exit();
        break;
    }
  });
  return { flush };
}
