import { ValidationError } from '../core/errors.js';

/**
 * The error of a failed `node:util` parseArgs (strict), as a one-line {@link ValidationError} that
 * names the flag: parseArgs's own messages are long and written for programmers.
 */
export function argsError(command: string, error: unknown): ValidationError {
  return new ValidationError(explain(command, error as Error & { code?: string }));
}

function explain(command: string, error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted ?? error.message}' for '${command}'; see 'taskfarm ${command} --help'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // The quoted part reads '-r, --range <value>' or '--retries <value>'.
      const flag = quoted?.match(/--[\w-]+/)?.[0];
      if (!flag) return error.message.split('\n')[0]!;
      // `--range -5..3`: a value that starts with a dash reads as an option.
      if (/ambiguous/.test(error.message)) return `option '${flag}' needs a value; for a value starting with '-', write ${flag}=-...`;
      return `option '${flag}' needs a value`;
    }
    default:
      return error.message;
  }
}

/** An integer option given as text: digits only, within [min, max]. */
export function integerOption(flag: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ValidationError(`invalid ${flag} '${text}': expected an integer ${bounds}`);
  }
  return value;
}
