import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, not their last build.
    alias: {
      '@witness/protocol': src('protocol'),
      '@witness/server': src('server'),
      '@witness/sdk': src('sdk'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // Native addons (DuckDB) and child processes are happier in forks than in worker threads.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/summary-reporter.ts'],
    // e2e tests spawn the CLI and servers; on a loaded 2-core CI machine a cold start takes seconds, and a
    // timeout here says nothing about the behaviour under test (benchmarks measure speed, not tests).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a browser or a server to catch up; its 1 s default fails a correct UI test
    // whenever the machine is busy for a second. The test's own timeout still bounds it.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
