import { ValidationError } from '../core/errors.js';

export function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`${what} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function checkHandler(value: unknown, what: string): void {
  if (typeof value !== 'function') throw new ValidationError(`${what} must be a function, got ${describe(value)}`);
}

/** A positive integer (or Infinity when `allowInfinity`). */
export function checkCount(value: unknown, what: string, allowInfinity = false): number {
  const ok = typeof value === 'number' && value >= 1 && (Number.isInteger(value) || (allowInfinity && value === Infinity));
  if (!ok) throw new ValidationError(`${what} must be a positive integer, got ${describe(value)}`);
  return value as number;
}

/** A finite, positive number of milliseconds that setTimeout can honour. */
export function checkMs(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new ValidationError(`${what} must be a positive number of milliseconds (at most 2^31-1), got ${describe(value)}`);
  }
  return value;
}

export function checkOptionalString(value: unknown, what: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw new ValidationError(`${what} must be a string, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
}
