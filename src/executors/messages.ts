import type { TaskMessages } from './types.js';

/**
 * Hands a running task's message or request to its host-side handler, the same way for every
 * backend. A request always gets exactly one answer (`reply`); a handler's error never reaches the
 * task as anything but a rejected request.
 */
export function deliverComm(
  handler: TaskMessages | undefined,
  isRequest: boolean,
  payload: unknown,
  reply: (ok: boolean, value: unknown) => void,
): void {
  if (!isRequest) {
    try {
      handler?.message?.(payload);
    } catch (error) {
      queueMicrotask(() => {
        throw error; // a host bug: surface it, but not into the task or the pool
      });
    }
    return;
  }
  if (!handler?.request) {
    reply(false, new Error('The host does not answer requests for this task: give it a messages.request handler (or the Comm plugin)'));
    return;
  }
  const request = handler.request;
  Promise.resolve()
    .then(() => request(payload))
    .then((value) => reply(true, value), (error: unknown) => reply(false, error));
}
