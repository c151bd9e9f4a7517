import type { Redis } from 'ioredis';
import { MissingDependencyError } from '../errors.js';

export type RedisClass = typeof Redis;

/**
 * Loads ioredis, an optional peer dependency: only programs that use Redis install it. `importer`
 * exists so the missing-package path can be tested without uninstalling anything.
 */
export async function loadIoredis(importer: () => Promise<unknown> = () => import('ioredis')): Promise<RedisClass> {
  let mod: { Redis?: RedisClass; default?: RedisClass };
  try {
    mod = (await importer()) as typeof mod;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError(
        'RedisCommunicator needs the ioredis package, an optional peer dependency of taskfarm: run `npm install ioredis`',
        { cause: error, dependency: 'ioredis' },
      );
    }
    throw error;
  }
  const RedisClass = mod.Redis ?? mod.default;
  if (typeof RedisClass !== 'function') {
    throw new MissingDependencyError('The ioredis package was found but exports no Redis class; install ioredis 5', { dependency: 'ioredis' });
  }
  return RedisClass;
}
