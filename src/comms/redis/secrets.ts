import { scrub } from '../../core/secrets.js';
import { CommunicatorConnectionError } from '../errors.js';

export { redactUrl, scrub, secretsOf } from '../../core/secrets.js';

/**
 * A connection error safe to show: our message plus the scrubbed message of what ioredis raised.
 * The original error is NOT kept as `cause`: ioredis attaches the failed command and its arguments
 * (`AUTH user password`) to reply errors, so only a scrubbed copy of its name, message and code is.
 */
export function connectionError(message: string, error: unknown, secrets: readonly string[]): CommunicatorConnectionError {
  const original = error instanceof Error ? error : new Error(String(error));
  const cause = new Error(scrub(original.message, secrets));
  cause.name = original.name;
  if (original.stack) cause.stack = scrub(original.stack, secrets);
  const code = (original as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(cause, { code });
  return new CommunicatorConnectionError(`${scrub(message, secrets)}: ${cause.message}`, { cause });
}
