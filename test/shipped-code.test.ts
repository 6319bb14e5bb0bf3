/**
 * What `npm run build` compiles into each package's dist: production code only. Test helpers (the
 * Store conformance suite imports vitest, a devDependency) must stay out, or loading the package
 * would need test tooling. The quickstart e2e test checks a fresh clone's built dist the same way;
 * this one reads the build's file list from the tsconfigs, so a stale local dist cannot fool it.
 */
import { execFileSync } from 'node:child_process';
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
    expect(files).not.toContain('packages/server/src/store/lease-conformance.ts');
    expect(files).not.toContain('packages/server/src/store/test-records.ts');
  });
});

/**
 * What `npm pack` puts in each tarball (the file list npm itself computes, `--dry-run --json`), for
 * every workspace: the build, README, LICENSE and package.json, nothing else; and the dependencies
 * match what the packed code imports. test/tarball-install.e2e.test.ts installs the real tarballs.
 */
interface PackedPackage {
  name: string;
  version: string;
  files: Array<{ path: string }>;
}
interface Manifest {
  name: string;
  version: string;
  license?: string;
  private?: boolean;
  engines?: Record<string, string>;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const rootManifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest & {
  workspaces: string[];
};
const packed: PackedPackage[] = JSON.parse(
  execFileSync('npm', ['pack', '--workspaces', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
);
const dirOf = (name: string) =>
  join(REPO_ROOT, rootManifest.workspaces.find((w) => w.endsWith(`/${name.split('/')[1]}`))!);
const manifestOf = (name: string) =>
  JSON.parse(readFileSync(join(dirOf(name), 'package.json'), 'utf8')) as Manifest;

/** Bare package names a built file imports (static, dynamic, require, require.resolve), node: builtins left out. */
function importedPackages(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  const specs = info.importedFiles.map((f) => f.fileName);
  for (const m of text.matchAll(/require\.resolve\(\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  return specs
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !s.startsWith('/'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

/** A packed file that is not what a tarball should carry, with the reason; null when it belongs. */
function unwanted(path: string): string | null {
  if (/(^|\/)(src|test|tests|__tests__)\//.test(path)) return 'sources or tests';
  if (/\.(test|spec|fixture|e2e)\.[cm]?[jt]sx?$/.test(path)) return 'a test file';
  if (/\.map$/.test(path)) return 'a source map (its sources are not shipped)';
  if (/\.tsbuildinfo$|(^|\/)tsconfig[^/]*\.json$|(^|\/)vite\.config/.test(path)) return 'build configuration';
  if (/(^|\/)([a-z-]*conformance|test-[^/]*)\.(js|d\.ts)$/.test(path)) return 'test support code';
  return null;
}

describe('packed tarballs', () => {
  it('npm packs every workspace, all at the root version', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(
      ['@witness/cli', '@witness/protocol', '@witness/sdk', '@witness/server', '@witness/ui'].sort(),
    );
    for (const p of packed) expect(p.version, p.name).toBe(rootManifest.version);
  });

  it('recognises what must stay out (the check below can fail)', () => {
    expect(unwanted('src/index.ts')).toMatch(/sources/);
    expect(unwanted('dist/store/conformance.js')).toMatch(/test support/);
    expect(unwanted('dist/http/server.test.js')).toMatch(/test file/);
    expect(unwanted('dist/index.js.map')).toMatch(/source map/);
    expect(unwanted('dist/index.js')).toBeNull();
    expect(
      importedPackages("import a from 'x/y'; const b = await import('@s/p/q'); require('node:fs');"),
    ).toEqual(['x', '@s/p']);
  });

  it.each(packed.map((p) => [p.name, p] as const))(
    '%s holds its build, README, LICENSE and nothing else',
    (name, p) => {
      const paths = p.files.map((f) => f.path);
      expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      expect(paths.map((f) => [f, unwanted(f)]).filter(([, why]) => why !== null)).toEqual([]);
      const jsFiles = paths.filter((f) => /\.[cm]?js$/.test(f));
      const dir = dirOf(name);
      const importsTooling = jsFiles.filter((f) =>
        IMPORTS_TEST_TOOLING.test(readFileSync(join(dir, f), 'utf8')),
      );
      expect(importsTooling).toEqual([]);
      if (name === '@witness/ui') {
        // the built bundle: index.html and every asset it links to
        expect(paths).toContain('dist/index.html');
        const html = readFileSync(join(dir, 'dist/index.html'), 'utf8');
        const assets = [...html.matchAll(/(?:src|href)="\/([^"/][^"]*)"/g)].map((m) => `dist/${m[1]}`);
        expect(assets.length).toBeGreaterThan(0);
        expect(paths).toEqual(expect.arrayContaining(assets));
        return;
      }
      // every packed module is the output of a current source file (a stale dist/ file would be packed too)
      const pkg = name.split('/')[1]!;
      const outputs = new Set(
        buildInputs(pkg).map((f) => relative(join(dir, 'src'), f).replace(/\.ts$/, '.js')),
      );
      const stale = paths
        .filter((f) => f.startsWith('dist/') && f.endsWith('.js'))
        .filter((f) => !outputs.has(f.slice('dist/'.length)));
      expect(stale).toEqual([]);
    },
  );

  it.each(packed.map((p) => [p.name] as const))(
    '%s: licence, engines, entry points and internal versions are right',
    (name) => {
      const m = manifestOf(name);
      expect(m.private, 'a published package is not private').toBeUndefined();
      expect(m.license).toBe('Apache-2.0');
      expect(readFileSync(join(dirOf(name), 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'),
      );
      if (name !== '@witness/ui') expect(m.engines?.node).toBe(rootManifest.engines!.node);
      const paths = new Set(packed.find((p) => p.name === name)!.files.map((f) => f.path));
      const targets = [
        ...Object.values(m.bin ?? {}),
        ...JSON.stringify(m.exports ?? {})
          .match(/"\.\/[^"]+"/g)!
          .map((s) => s.slice(1, -1))
          .filter((s) => s !== './'),
      ];
      for (const t of targets) expect(paths.has(t.replace(/^\.\//, '')), `${t} is packed`).toBe(true);
      for (const [dep, range] of Object.entries(m.dependencies ?? {}))
        if (dep.startsWith('@witness/'))
          expect(range, `${dep} pinned to this release`).toBe(rootManifest.version);
    },
  );

  it.each(packed.filter((p) => p.name !== '@witness/ui').map((p) => [p.name, p] as const))(
    '%s depends on exactly the packages its packed code imports',
    (name, p) => {
      const m = manifestOf(name);
      const dir = dirOf(name);
      const imported = new Set(
        p.files
          .filter((f) => /\.[cm]?js$/.test(f.path))
          .flatMap((f) => importedPackages(readFileSync(join(dir, f.path), 'utf8'))),
      );
      imported.delete(name); // self-references in doc comments' examples are strings, but be safe
      // the audit verifier's workers load tsx only when running from .ts sources (a dev checkout)
      imported.delete('tsx');
      const declared = new Set(Object.keys(m.dependencies ?? {}));
      expect([...imported].filter((d) => !declared.has(d)).sort(), 'imported but not a dependency').toEqual(
        [],
      );
      expect([...declared].filter((d) => !imported.has(d)).sort(), 'a dependency nothing imports').toEqual(
        [],
      );
    },
  );
});
