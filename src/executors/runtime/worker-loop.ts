import { deserializeError, serializeError, type SerializedError } from '../../core/error-codec.js';
import { TaskDefinitionError, TaskTimeoutError } from '../../core/errors.js';
import { now } from '../../core/ids.js';
import { explainSourceError, loadTask } from '../../task/loader.js';
import type { TaskSpec } from '../../task/spec.js';
import { setCurrentContext, TaskContextImpl, type ContextChannel } from './context.js';
import {
  addResult, newResults, resultCount, RunReader, runDefs, setResultsMemory, splitResults,
  type FromWorker, type ResultsMessage, type ToWorker,
} from './protocol.js';

/** What a worker runtime (thread or child process) provides to the shared loop. */
export interface WorkerPort {
  /** Sends a message to the pool; throws if a value cannot be serialized. */
  send(message: FromWorker): void;
  onMessage(handler: (message: ToWorker) => void): void;
  /** Claims the next task of generation `gen`; false when the pool took it back (threads). */
  claim(gen: number): boolean;
  /** Leaves after a `close` message. */
  exit(): void;
  /** Memory in use by this worker, in bytes. */
  memory(): number;
  /**
   * Waits briefly for the next message without going back to the event loop, so that a worker that
   * just ran out of work answers the next task without the wake-up cost of an idle thread.
   */
  poll?(): ToWorker | undefined;
}

/** Results are sent when the batch is done, or earlier when they have waited this long. */
const FLUSH_AFTER_MS = 1;

export interface WorkerLoop {
  /**
   * Sends the results so far and tells the pool the worker dies (of `error`, if given), so that the
   * pool knows exactly which task was running; no task starts after this.
   */
  die(error?: unknown): void;
}

/** Runs tasks one at a time, in the order they arrive, and reports results in batches. */
export function runWorkerLoop(port: WorkerPort, workerId: string, reportMemory: boolean): WorkerLoop {
  const specs = new Map<number, TaskSpec>();
  const loaded = new Map<number, Function>();
  const loadErrors = new Map<number, unknown>();
  const batches: RunReader[] = [];
  let buffer: ResultsMessage = newResults();
  let lastFlush = now();
  let running = false;
  let closing = false;
  let dead = false;
  /** Tasks the pool cancelled before they started, with the reason. */
  const skipped = new Map<number, SerializedError>();
  /** Requests of running tasks waiting for the host's reply, by request id. */
  const requests = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let requestIds = 0;

  /** A task's line to the host: messages and requests travel on the worker's port. */
  const channelFor = (num: number): ContextChannel => ({
    send: (payload) => port.send({ t: 'comm', num, payload }),
    request: (payload, timeout) => new Promise((resolve, reject) => {
      const id = ++requestIds;
      const timer = timeout === undefined ? undefined : setTimeout(() => {
        requests.delete(id);
        reject(new TaskTimeoutError(`Request to the host got no answer within ${timeout} ms`, { timeout }));
      }, timeout);
      requests.set(id, {
        resolve: (value) => { clearTimeout(timer); resolve(value); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      try {
        port.send({ t: 'comm', num, id, payload });
      } catch (error) {
        requests.delete(id);
        clearTimeout(timer);
        reject(error);
      }
    }),
  });
  let current: { num: number; context: TaskContextImpl } | undefined;

  const flush = (): void => {
    if (resultCount(buffer) === 0) return;
    const results = buffer;
    buffer = newResults();
    lastFlush = now();
    if (reportMemory) setResultsMemory(results, port.memory());
    try {
      port.send(results);
    } catch {
      // A value cannot be serialized: send the results one by one and replace the culprits.
      for (const one of splitResults(results)) sendAlone(one);
    }
  };

  const sendAlone = (result: ResultsMessage): void => {
    try {
      port.send(result);
    } catch (error) {
      const failed = result[4] === 0;
      const reason = (error as Error).message.replace(/\.$/, '');
      const cause = new TaskDefinitionError(
        `The task's ${failed ? 'error' : 'return value'} cannot be sent back from the worker: ${reason}. ` +
          'Return plain data (structured-cloneable: objects, arrays, Map, Set, Date, typed arrays, BigInt...).',
      );
      const replaced = newResults();
      addResult(replaced, result[3] as number, false, result[5] as number, result[6] as number, serializeError(cause));
      port.send(replaced);
    }
  };

  const load = async (defId: number): Promise<void> => {
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

  const finish = (num: number, ok: boolean, payload: unknown, startedAt: number, defId: number): void => {
    if (!ok) {
      const spec = specs.get(defId);
      payload = serializeError(spec?.kind === 'source' ? explainSourceError(payload, spec.name) : payload);
    }
    addResult(buffer, num, ok, startedAt, now(), payload);
    current = undefined;
    setCurrentContext(undefined);
  };

  /** Runs one task; returns a promise only when the task (or its first load) is really asynchronous. */
  const runOne = (num: number, defId: number, args: unknown[]): Promise<void> | undefined => {
    const fn = loaded.get(defId);
    if (!fn) return load(defId).then(() => runOne(num, defId, args), (error: unknown) => finish(num, false, error, now(), defId));
    const startedAt = now();
    const context = new TaskContextImpl(workerId, channelFor(num));
    current = { num, context };
    setCurrentContext(context);
    let value: unknown;
    try {
      value = fn.apply(context, args);
    } catch (error) {
      finish(num, false, error, startedAt, defId);
      return undefined;
    }
    if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(value).then(
        (resolved) => finish(num, true, resolved, startedAt, defId),
        (error: unknown) => finish(num, false, error, startedAt, defId),
      );
    }
    finish(num, true, value, startedAt, defId);
    return undefined;
  };

  const drain = async (): Promise<void> => {
    running = true;
    while (!dead) {
      const batch = batches[0];
      if (batch === undefined) {
        flush(); // results go out before the worker waits for more
        const next = closing ? undefined : port.poll?.();
        if (next === undefined) break;
        onMessage(next);
        continue;
      }
      if (batch.done) {
        batches.shift();
        continue;
      }
      const { num, defId, args } = batch.next();
      if (!port.claim(batch.gen)) continue; // taken back by the pool for another worker
      const skip = skipped.get(num);
      if (skip) {
        // Cancelled before it started: report it so that the pool stops waiting for it.
        skipped.delete(num);
        addResult(buffer, num, false, now(), now(), skip);
        continue;
      }
      const pending = runOne(num, defId, args);
      if (pending) await pending;
      if ((batch.done && batches.length === 1) || now() - lastFlush >= FLUSH_AFTER_MS) flush();
    }
    flush();
    running = false;
    if (closing) port.exit();
  };

  const onMessage = (message: ToWorker): void => {
    if (Array.isArray(message)) {
      const defs = runDefs(message);
      if (defs) for (const [id, spec] of defs) specs.set(id, spec);
      batches.push(new RunReader(message));
      if (!running) void drain();
      return;
    }
    switch (message.t) {
      case 'abort':
        if (current?.num === message.num) current.context.abort(deserializeError(message.reason));
        else skipped.set(message.num, message.reason);
        break;
      case 'reply': {
        const request = requests.get(message.id);
        requests.delete(message.id);
        if (message.ok) request?.resolve(message.payload);
        else request?.reject(deserializeError(message.payload as SerializedError));
        break;
      }
      case 'close':
        closing = true;
        if (!running) port.exit();
        break;
    }
  };
  port.onMessage(onMessage);
  return {
    die(error?: unknown): void {
      if (dead) return;
      dead = true;
      flush();
      port.send({ t: 'dying', error: error === undefined ? undefined : serializeError(error) });
    },
  };
}
