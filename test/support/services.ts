// Real services for the tests that need them (PostgreSQL, Redis). A local run without the service
// skips those tests with the reason printed; under CI=true a missing service is a failure, never a skip.
import { Socket } from 'node:net';

export const POSTGRES_URL = process.env.TASKFARM_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TASKFARM_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

/**
 * Resolves to `false` when the tests may run, or to a skip reason (a string, for `{ skip }` of
 * node:test) when the service is down on a local run. Under CI=true a down service throws.
 */
export async function serviceSkip(name: 'PostgreSQL' | 'Redis'): Promise<false | string> {
  const [url, port] = name === 'PostgreSQL' ? [POSTGRES_URL, 5432] : [REDIS_URL, 6379];
  if (await reachable(url, port)) return false;
  const reason = `${name} is not reachable at ${new URL(url).host}; start it with .ci/services`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: service tests must run)`);
  console.log(`# skipping ${name} tests: ${reason}`);
  return reason;
}
