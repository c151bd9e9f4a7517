import { open } from 'node:fs/promises';
import { TaskfarmError, ValidationError } from '../core/errors.js';

/** Lines are gathered into chunks of about this many characters: one write per result is slow. */
const CHUNK_CHARS = 64 * 1024;

/** A gathered line waits at most this long before it is written, so `tail -f` sees slow farms move. */
const FLUSH_AFTER_MS = 100;

/**
 * Writes result lines to a file or to stdout, in the order given, with backpressure: when the
 * destination is slower than the farm, `write` returns a promise and the caller stops pulling
 * results (and so, through `executor.map`'s lookahead, stops submitting).
 *
 * Lines are buffered and written in chunks, and always as whole lines, so a run that is stopped
 * leaves a file of complete lines.
 */
export class LineWriter {
  readonly #stream: NodeJS.WritableStream;
  readonly #ownsStream: boolean;
  #buffer = '';
  #timer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;
  #closed = false;
  /** Called before each chunk is written, e.g. to erase a progress bar on the same terminal. */
  beforeWrite: (() => void) | undefined;

  private constructor(stream: NodeJS.WritableStream, ownsStream: boolean, name: string) {
    this.#stream = stream;
    this.#ownsStream = ownsStream;
    stream.on('error', (error: Error) => {
      this.#failure ??= new TaskfarmError(`cannot write results to ${name}: ${error.message}`, { cause: error });
    });
  }

  /** A writer to the file at `path` (created or truncated), or to `stdout` when `path` is undefined. */
  static async open(path: string | undefined, stdout: NodeJS.WritableStream, displayPath = path): Promise<LineWriter> {
    if (path === undefined) return new LineWriter(stdout, false, 'stdout');
    let handle;
    try {
      handle = await open(path, 'w');
    } catch (error) {
      throw new ValidationError(`cannot open --out '${displayPath}': ${(error as Error).message}`);
    }
    return new LineWriter(handle.createWriteStream(), true, `'${displayPath}'`);
  }

  /** Queues one line (without its newline). Returns a promise when the caller should wait. */
  write(line: string): Promise<void> | undefined {
    if (this.#failure) throw this.#failure;
    this.#buffer += line + '\n';
    if (this.#buffer.length >= CHUNK_CHARS) return this.#flush();
    this.#timer ??= setTimeout(() => void this.#flush()?.catch(() => {}), FLUSH_AFTER_MS).unref();
    return undefined;
  }

  /** Writes what is buffered and, for a file, closes it; resolves once the data reached the system. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const chunk = this.#buffer;
    this.#buffer = '';
    if (this.#failure) throw this.#failure;
    if (chunk) this.beforeWrite?.();
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => (error ? reject(error) : resolve());
      // The callback of the last write runs after every earlier write is done.
      if (this.#ownsStream) this.#stream.end(chunk, () => done());
      else this.#stream.write(chunk, done);
    }).catch((error: Error) => {
      throw this.#failure ?? new TaskfarmError(`cannot write results: ${error.message}`, { cause: error });
    });
    if (this.#failure) throw this.#failure;
  }

  #flush(): Promise<void> | undefined {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#buffer || this.#closed) return undefined;
    const chunk = this.#buffer;
    this.#buffer = '';
    this.beforeWrite?.();
    if (this.#stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.#stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error): void => {
        this.#stream.off('drain', onDrain);
        reject(this.#failure ?? error);
      };
      this.#stream.once('drain', onDrain);
      this.#stream.once('error', onError);
    });
  }
}
