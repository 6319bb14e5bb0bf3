/**
 * What `npm run build` compiles into each package's dist: production code only. Test helpers (the
 * Store conformance suite imports vitest, a devDependency) must stay out, or loading the package
 * would need test tooling. The quickstart e2e test checks a fresh clone's built dist the same way;
 * this one reads the build's file list from the tsconfigs, so a stale local dist cannot fool it.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/witness-process.js';

const BUILT_PACKAGES = ['protocol', 'sdk', 'server', 'cli'];
const IMPORTS_TEST_TOOLING = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:vitest|@vitest\/[^'"]*)['"]/;

/** The source files `tsc -b packages/<name>` compiles, as the build sees them. */
function buildInputs(pkg: string): string[] {
  const configPath = join(REPO_ROOT, 'packages', pkg, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (parsed === undefined) throw new Error(`cannot read ${configPath}`);
  return parsed.fileNames;
}

describe('shipped code', () => {
  it('recognises an import of vitest (the check below can fail)', () => {
    expect(IMPORTS_TEST_TOOLING.test("import { it } from 'vitest';")).toBe(true);
    expect(IMPORTS_TEST_TOOLING.test('const v = await import("vitest")')).toBe(true);
    expect(IMPORTS_TEST_TOOLING.test('// vitest is not imported here')).toBe(false);
  });

  it.each(BUILT_PACKAGES)('packages/%s builds no file that imports vitest and no test file', (pkg) => {
    const files = buildInputs(pkg);
    expect(files.length).toBeGreaterThan(0);
    const offenders = files
      .filter(
        (f) => /\.test\.ts$|\.fixture\.ts$/.test(f) || IMPORTS_TEST_TOOLING.test(readFileSync(f, 'utf8')),
      )
      .map((f) => relative(REPO_ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('keeps the Store conformance suite and test records out of the server build', () => {
    const files = buildInputs('server').map((f) => relative(REPO_ROOT, f));
    expect(files).toContain('packages/server/src/store/duckdb/duckdb-store.ts');
    expect(files).not.toContain('packages/server/src/store/conformance.ts');
    expect(files).not.toContain('packages/server/src/store/test-records.ts');
  });
});
