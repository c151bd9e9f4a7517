import type { BroadcastFilter, BroadcastMessage } from './types.js';

type Matcher = (value: string | undefined) => boolean;

/**
 * A matcher for one filter field: absent matches everything, a plain string only itself, and a
 * string with `*` (any run of characters) or `?` (one character) is a glob over the whole value.
 * Filtering is done by the receiver, so every implementation filters with this same code.
 */
export function compileMatcher(pattern: string | undefined): Matcher {
  if (pattern === undefined) return () => true;
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 's');
  return (value) => value !== undefined && regex.test(value);
}

/** A predicate for a whole {@link BroadcastFilter}. */
export function compileFilter(filter: BroadcastFilter = {}): (message: BroadcastMessage) => boolean {
  const subject = compileMatcher(filter.subject);
  const sender = compileMatcher(filter.sender);
  return (message) => subject(message.subject) && sender(message.sender);
}
