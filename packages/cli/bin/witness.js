#!/usr/bin/env node
// The `witness` bin. It is committed (not generated) so that `npm ci` on a fresh clone links it: npm
// links bins while installing, before the root `prepare` script has built dist/. It loads the built CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `witness: the CLI is not built (${fileURLToPath(main)} is missing). ` +
      'Run `npm run build` at the root of the Witness repository, then try again.\n',
  );
  process.exit(1);
}
await import(main.href);
