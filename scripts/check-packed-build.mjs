// `prepack` of every published package (runs in the package's directory): refuse to pack a package
// whose build is missing, because `files` would silently leave an empty or half package in the tarball.
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const needed = [
  ...(pkg.files ?? []).filter((f) => !f.startsWith('!')),
  ...(pkg.exports?.['.'] ? [pkg.exports['.'].default] : []),
  ...Object.values(pkg.bin ?? {}),
  ...(pkg.name === '@witness/ui' ? ['dist/index.html'] : []),
];
const missing = needed.filter((f) => !existsSync(f));
if (missing.length > 0) {
  console.error(
    `${pkg.name}: cannot pack, ${missing.join(', ')} missing. Run \`npm run build\` at the repository root first.`,
  );
  process.exit(1);
}
