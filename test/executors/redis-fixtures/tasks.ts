// Task modules for the Redis executor tests: loaded by engines (allowed with allowModules/--tasks).
import { appendFileSync, existsSync } from 'node:fs';
import { defineTask, registerErrorClass, taskContext, TaskfarmError } from '../../../src/index.js';

/** A custom error class registered on both sides: it must come back as itself. */
export class QuotaError extends TaskfarmError {
  override readonly code: string = 'ERR_TEST_QUOTA';
}
registerErrorClass(QuotaError);

export const add = defineTask(import.meta.url, function add(a: number, b: number): number {
  return a + b;
});

export const failQuota = defineTask(import.meta.url, function failQuota(message: string): never {
  throw new QuotaError(message);
});

/** The engine it ran on, as the task sees it. */
export const engineOf = defineTask(import.meta.url, function engineOf(): string | undefined {
  return taskContext()?.workerId;
});

/**
 * Logs `label engine pid` to `log`, then waits until `gate` exists (or its signal aborts): a task
 * that is surely running somewhere while a test kills things.
 */
export const logThenWait = defineTask(import.meta.url, async function logThenWait(log: string, label: string, gate: string, value: unknown): Promise<unknown> {
  const context = taskContext();
  appendFileSync(log, `${label} ${context?.workerId} ${process.pid}\n`);
  const signal = context?.signal;
  const deadline = Date.now() + 60_000;
  while (!existsSync(gate)) {
    if (signal?.aborted) throw new Error(`aborted: ${String(signal.reason)}`);
    if (Date.now() > deadline) throw new Error('gave up waiting for the gate');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return value;
});

export const sleep = defineTask(import.meta.url, async function sleep(ms: number, value: unknown): Promise<unknown> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
});
