#!/usr/bin/env node
/**
 * Why this exists: the npm registry reachable from our build machines serves only the Linux builds of
 * some native packages (biome, rollup…). When a platform package 404s, npm leaves it out of
 * package-lock.json, and `npm ci` then refuses the lock ("Missing: … from lock file"). We add each
 * missing optional platform package back as an optional lock entry restricted to its platform, which
 * is exactly what npm writes when the registry has it: npm ci skips entries for other platforms.
 *
 * Run after any `npm install` that changes the lock: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'android',
  'darwin',
  'freebsd',
  'openbsd',
  'netbsd',
  'linux',
  'win32',
  'sunos',
  'aix',
  'openharmony',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el', 'wasm32'];

/** Platform of a package from its name, e.g. @rollup/rollup-linux-x64-musl → linux/x64/musl. */
export function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('arm') ? 'arm' : undefined);
  const libc = parts.some((p) => p.startsWith('musl')) ? 'musl' : os === 'linux' ? 'glibc' : undefined;
  return { os, cpu, libc };
}

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
let added = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const nested = `${key ? `${key}/` : ''}node_modules/${dep}`;
    const top = `node_modules/${dep}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os) continue; // not a platform package: leave npm's judgement alone
    const entry = { version: range.replace(/^[\^~=]/, ''), optional: true };
    if (pkg.dev) entry.dev = true;
    entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (libc && os === 'linux') entry.libc = [libc];
    lock.packages[top] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
