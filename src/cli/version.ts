import { readFileSync } from 'node:fs';

/**
 * The version in taskfarm's package.json. Read at run time rather than imported so that the file is
 * not copied into dist/; `../../package.json` is the package root from both src/cli and dist/cli.
 */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}
