import { CommunicatorConnectionError } from '../errors.js';

const MASK = '***';

/**
 * A Redis URL fit for messages and logs: the password is masked, the user and host are kept (they
 * say which server and account failed). A URL that does not parse is not echoed at all.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    return parsed.toString();
  } catch {
    return '<unparseable Redis URL>';
  }
}

/** Every spelling of the password a URL or ioredis options carry, to scrub from any text we show. */
export function secretsOf(url: string, options: Record<string, unknown> = {}): string[] {
  const secrets = new Set<string>();
  try {
    const { password } = new URL(url);
    if (password) {
      secrets.add(password);
      secrets.add(decodeURIComponent(password));
    }
  } catch {
    // an unparseable URL is never echoed, see redactUrl
  }
  if (typeof options.password === 'string' && options.password) secrets.add(options.password);
  // Longest first, so a secret that contains another one is masked whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}

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
