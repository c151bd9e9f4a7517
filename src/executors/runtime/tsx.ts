import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** True when this program runs under tsx (or runs taskfarm from its TypeScript sources). */
export function runningUnderTsx(): boolean {
  return import.meta.url.endsWith('.ts') || process.execArgv.some((arg) => /(^|[\\/@])tsx([\\/]|$)/.test(arg) || arg === 'tsx');
}

let cached: string | undefined | null = null;

/**
 * URL of tsx's ESM API when the program runs under tsx: worker threads do not inherit the loader and
 * must register it themselves before they can import TypeScript task modules.
 */
export function tsxApiUrl(): string | undefined {
  if (cached !== null) return cached;
  cached = runningUnderTsx() ? resolveTsxApi() : undefined;
  return cached;
}

function resolveTsxApi(): string | undefined {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // taskfarm is installed where tsx is not visible from it; look from the program's directory
  }
  try {
    const require = createRequire(pathToFileURL(`${process.cwd()}/`).href);
    const manifest = require.resolve('tsx/package.json');
    const exported = (require(manifest) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
    return new URL(exported!.import.default, pathToFileURL(manifest)).href;
  } catch {
    return undefined;
  }
}

/** Our own runtime files have this extension: `.ts` when run from sources under tsx. */
export const ownExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
