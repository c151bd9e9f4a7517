/**
 * Connection URLs carry passwords (`redis://user:password@host`), and drivers echo URLs and
 * commands in their errors: everything taskfarm shows about a connection goes through here.
 */

const MASK = '***';

/**
 * A URL fit for messages and logs: the password (in the authority or a `password` parameter, as
 * PostgreSQL allows) is masked; the user and host are kept (they say which server and account
 * failed). A URL that does not parse is not echoed at all.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparseable URL>';
  }
  if (parsed.password) parsed.password = MASK;
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', MASK);
  return parsed.toString();
}

/** Every spelling of the password a URL (and driver options' `password`) carry, longest first. */
export function secretsOf(url: string, options: Record<string, unknown> = {}): string[] {
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    for (const password of [parsed.password, parsed.searchParams.get('password') ?? '']) {
      if (!password) continue;
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

/** `text` with every secret masked. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}
