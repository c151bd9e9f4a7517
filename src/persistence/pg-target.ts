/**
 * Describing a PostgreSQL connection string in messages without its secrets. A connection string
 * may carry a password (user:password@host or ?password=); no message or error cause taskfarm
 * makes may contain it.
 */

/** `host:port/database` of a connection string, or a neutral phrase if it cannot be parsed. */
export function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`;
  } catch {
    // Deliberately no cause: Node's URL error keeps the whole input, password included.
    return 'the configured server';
  }
}

/** The secrets of a connection string: its password, in every form it may appear in. */
function secretsOf(connectionString: string): string[] {
  const secrets = new Set<string>();
  try {
    const url = new URL(connectionString);
    for (const raw of [url.password, url.searchParams.get('password') ?? '']) {
      if (raw) { secrets.add(raw); secrets.add(decodeURIComponent(raw)); }
    }
  } catch {
    const match = /:\/\/[^:/@]*:([^@]*)@/.exec(connectionString);
    if (match?.[1]) secrets.add(match[1]);
  }
  return [...secrets].filter((secret) => secret.length > 0);
}

/** `text` with every secret of the connection string replaced by `***`. */
export function redact(text: string, connectionString: string | undefined): string {
  if (connectionString === undefined) return text;
  return secretsOf(connectionString).reduce((out, secret) => out.split(secret).join('***'), text);
}

/** Whether `error` (its message, stack or cause chain) mentions a secret of the connection string. */
export function mentionsSecret(error: unknown, connectionString: string | undefined): boolean {
  if (connectionString === undefined) return false;
  const secrets = secretsOf(connectionString);
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const texts = [e.message, e.stack ?? '', String((e as { input?: unknown }).input ?? '')];
    if (secrets.some((secret) => texts.some((text) => text.includes(secret)))) return true;
  }
  return false;
}
