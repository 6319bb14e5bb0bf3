/**
 * What the installed CLI knows about itself: its version (from its own package.json, so `--version`
 * and the server's build info follow a release bump) and where the built UI is. The UI ships as the
 * `@witness/ui` package (static files in its dist/); resolving it through Node's module resolution finds
 * it both in this repository's workspace (node_modules/@witness/ui → packages/ui) and in an npm install
 * of the packed tarballs, where no relative path between the two packages holds.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The built UI's directory, or null when `@witness/ui` is not installed or not built. */
export function bundledUiDir(): string | null {
  try {
    return join(dirname(require.resolve('@witness/ui/package.json')), 'dist');
  } catch {
    return null;
  }
}
