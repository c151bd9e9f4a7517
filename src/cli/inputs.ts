import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ValidationError } from '../core/errors.js';

/**
 * Where the inputs of `taskfarm run` come from. Inputs are produced lazily, one at a time, so that
 * a range of a billion numbers or a file of many gigabytes never sits in memory: `executor.map`
 * pulls only as far ahead as its lookahead.
 */
export interface InputSource {
  /** How many inputs there are, for progress and ETA. */
  readonly total: number;
  /**
   * The inputs, in order. Stops early, without error, once `stop` is aborted: after Ctrl-C nothing
   * more is submitted.
   */
  values(stop: AbortSignal): Iterable<unknown> | AsyncIterable<unknown>;
}

/** An inclusive integer range, from `--range A..B`. */
export interface IntegerRange {
  from: number;
  to: number;
}

const RANGE = /^(-?\d+)\.\.(-?\d+)$/;

/** Parses `A..B` (integers, A <= B, both ends included). */
export function parseRange(text: string): IntegerRange {
  const match = RANGE.exec(text.trim());
  if (!match) {
    throw new ValidationError(`invalid --range '${text}': expected A..B with integers A <= B, e.g. --range 1..1000`);
  }
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
    throw new ValidationError(`invalid --range '${text}': both ends must be integers between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`);
  }
  if (from > to) {
    throw new ValidationError(`invalid --range '${text}': it is empty, since ${from} is greater than ${to} (write ${to}..${from})`);
  }
  return { from, to };
}

/** Every integer of the range, each one input. */
export function rangeInputs({ from, to }: IntegerRange): InputSource {
  return {
    total: to - from + 1,
    *values(stop: AbortSignal) {
      for (let n = from; n <= to && !stop.aborted; n += 1) yield n;
    },
  };
}

/** One line of a JSONL file: a value, or nothing for a blank line. */
type ParsedLine = { blank: true } | { blank: false; value: unknown };

function parseLine(path: string, text: string, lineNumber: number): ParsedLine {
  // A UTF-8 byte order mark is not part of the first value.
  const line = lineNumber === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (line.trim() === '') return { blank: true };
  try {
    return { blank: false, value: JSON.parse(line) };
  } catch (error) {
    throw new ValidationError(
      `${path}:${lineNumber}: not valid JSON (${(error as Error).message}); every non-blank line of --input must be one JSON value`,
    );
  }
}

async function* readLines(path: string): AsyncGenerator<string> {
  // crlfDelay: a \r\n split across chunks is still one line end.
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    yield* lines;
  } finally {
    lines.close();
    input.destroy(); // stopping early must not leave the file open
  }
}

/**
 * The values of a JSONL file, one input per non-blank line.
 *
 * The file is read twice: once before anything runs, to count the inputs (for progress and ETA) and
 * to reject a bad line with its number while nothing has been computed or written yet, and once
 * while farming. Failing fast costs one sequential read, far less than discovering line 900,000 is
 * broken after an hour of work and leaving a half-written result file. If the file changes between
 * the two reads and a bad line appears, the run stops with that error: an input is never skipped.
 */
export async function jsonlInputs(path: string, displayPath = path): Promise<InputSource> {
  await checkReadableFile(path, displayPath);
  let total = 0;
  let lineNumber = 0;
  for await (const text of readLines(path)) {
    lineNumber += 1;
    if (!parseLine(displayPath, text, lineNumber).blank) total += 1;
  }
  return {
    total,
    async *values(stop: AbortSignal) {
      let number = 0;
      for await (const text of readLines(path)) {
        if (stop.aborted) return;
        number += 1;
        const parsed = parseLine(displayPath, text, number);
        if (!parsed.blank) yield parsed.value;
      }
    },
  };
}

async function checkReadableFile(path: string, displayPath: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ValidationError(`cannot read --input '${displayPath}': ${reason}`);
  }
  if (!info.isFile()) throw new ValidationError(`cannot read --input '${displayPath}': not a regular file`);
}
