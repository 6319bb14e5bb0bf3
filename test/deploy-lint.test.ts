/**
 * The container files, checked without a container runtime (none runs on these machines): the
 * Dockerfile and deploy/compose.yaml pass their linters (and a broken copy of each fails them), the
 * Prometheus and Grafana files the compose mounts are the shipped ones, and the image installs the
 * packed tarballs as docs/install.md does. The image's command line, parsed out of the Dockerfile, is
 * run (with its HEALTHCHECK) in the tarball install of test/tarball-install.e2e.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ignore from '@balena/dockerignore';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type DockerStage, lintCompose, lintDockerfile, parseDockerfile } from './helpers/deploy-lint.js';
import { PROMTOOL, requireBinary, skipWithoutPrometheus } from './helpers/prometheus-binaries.js';
import { REPO_ROOT } from './helpers/witness-process.js';

const DOCKERFILE = join(REPO_ROOT, 'Dockerfile');
const COMPOSE = join(REPO_ROOT, 'deploy/compose.yaml');
const RULES = { contextDir: REPO_ROOT, dataDir: '/data', port: 4318 };
const dockerfile = readFileSync(DOCKERFILE, 'utf8');
const compose = readFileSync(COMPOSE, 'utf8');

const scratch = mkdtempSync(join(tmpdir(), 'witness-deploy-lint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A broken copy of the compose file, written next to the real one's folders so relative paths resolve. */
function composeVariant(name: string, text: string): string {
  const path = join(REPO_ROOT, 'deploy', `.lint-${name}-${process.pid}.yaml`);
  writeFileSync(path, text);
  return path;
}
const variants: string[] = [];
afterAll(() => {
  for (const v of variants) rmSync(v, { force: true });
});
function lintComposeText(name: string, text: string): string[] {
  const path = composeVariant(name, text);
  variants.push(path);
  return lintCompose(path);
}

describe('Dockerfile lint (dockerfile-utils + the image rules)', () => {
  it('the shipped Dockerfile is clean', () => {
    expect(lintDockerfile(dockerfile, RULES)).toEqual([]);
  });

  it.each([
    [
      'an unknown instruction',
      (d: string) => d.replace('RUN npm run build', 'RUNN npm run build'),
      /Unknown instruction: RUNN/i,
    ],
    [
      'a health-check interval without a unit',
      (d: string) => d.replace('--interval=15s', '--interval=15'),
      /duration|unit/i,
    ],
    [
      'an invalid protocol',
      (d: string) => d.replace('EXPOSE 4318', 'EXPOSE 4318/tpc'),
      /Invalid proto: tpc \(dockerfile-utils\)/,
    ],
    ['a root final user', (d: string) => d.replace('USER node', 'USER root'), /runs as root/],
    ['no USER at all', (d: string) => d.replace('USER node\n', ''), /runs as root/],
    [
      'no /data volume',
      (d: string) => d.replace('VOLUME ["/data"]', 'VOLUME ["/var/lib/witness"]'),
      /VOLUME \/data/,
    ],
    ['no health check', (d: string) => d.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ''), /no HEALTHCHECK/],
    [
      'a curl health check',
      (d: string) =>
        d.replace(/CMD \["node", "-e", [^\n]*\]/, 'CMD ["curl", "-f", "http://127.0.0.1:4318/readyz"]'),
      /curl/,
    ],
    [
      'an unpinned base',
      (d: string) => d.replace('FROM node:20.19-bookworm-slim', 'FROM node'),
      /not pinned/,
    ],
    [
      'a COPY from a missing stage',
      (d: string) => d.replace('--from=build /tmp/witness-tarballs', '--from=builder /tmp/witness-tarballs'),
      /names no earlier stage/,
    ],
    [
      'a COPY of a missing file',
      (d: string) => d.replace('COPY package.json package-lock.json ./', 'COPY package.json yarn.lock ./'),
      /yarn\.lock does not exist/,
    ],
    [
      'a data dir other than the volume',
      (d: string) => d.replace('"--data-dir", "/data"', '"--data-dir", "/tmp/data"'),
      /--data-dir \/data/,
    ],
    [
      'a shell-form CMD',
      (d: string) => d.replace(/CMD \["serve"[^\n]*/, 'CMD witness serve --data-dir /data'),
      /exec \(JSON\) form/,
    ],
  ])('fails on %s', (_name, breakIt, message) => {
    const broken = breakIt(dockerfile);
    expect(broken, 'the mutation must change the Dockerfile').not.toBe(dockerfile);
    const problems = lintDockerfile(broken, RULES);
    expect(problems.join('\n')).toMatch(message);
  });
});

describe('the Dockerfile stages carry the whole workspace', () => {
  const stages = parseDockerfile(dockerfile);
  const workspaces = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).workspaces as string[]
  )
    .map((w) => `${w}/package.json`)
    .sort();
  const copied = (stage: DockerStage, prefix: string) =>
    stage.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => i.args.split(' ').filter((a) => !a.startsWith('--'))[0]!)
      .filter((src) => /^(\/src\/)?packages\/[^/]+\/package\.json$/.test(src))
      .map((src) => src.replace(prefix, ''))
      .sort();

  it('the build stage copies every workspace manifest before npm ci (npm ci fails on a missing workspace)', () => {
    expect(copied(stages[0]!, '')).toEqual(workspaces);
  });

  it('the runtime stage installs the tarballs the build stage packs, with the npm install line of docs/install.md', () => {
    const pack = stages[0]!.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm pack'));
    const dest = /npm pack --workspaces --pack-destination (\S+)/.exec(pack?.args ?? '')?.[1];
    expect(dest).toBe('/tmp/witness-tarballs');
    const runtime = stages.at(-1)!.instructions;
    expect(runtime.some((i) => i.keyword === 'COPY' && i.args.startsWith(`--from=build ${dest} `))).toBe(
      true,
    );
    const install = runtime.find((i) => i.keyword === 'RUN' && i.args.includes('npm install'))!;
    const docsInstall = readFileSync(join(REPO_ROOT, 'docs/install.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('npm install /tmp/witness-tarballs/witness-protocol'));
    expect(docsInstall).toBeDefined();
    expect(install.args.split(/\s*\\?\n\s*|\s+&&\s+/)[0]).toBe(docsInstall);
  });
});

describe('.dockerignore keeps the sources in the build context and the local installs out', () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');

  /** What `COPY . .` and `npm run build` need that the ignore file drops; what it lets in that it should not. */
  function contextProblems(ignoreText: string): string[] {
    const ig = ignore().add(ignoreText.split('\n'));
    const needed = tracked.filter(
      (f) =>
        /^packages\/[^/]+\//.test(f) ||
        ['package.json', 'package-lock.json', 'tsconfig.base.json'].includes(f),
    );
    const problems = needed.filter((f) => ig.ignores(f)).map((f) => `${f} is left out of the build context`);
    for (const local of [
      'node_modules/x',
      'packages/server/node_modules/x',
      'packages/cli/dist/main.js',
      'data/witness.duckdb',
      '.git/HEAD',
    ])
      if (!ig.ignores(local)) problems.push(`${local} would be sent to the build`);
    return problems;
  }

  it('the shipped .dockerignore drops no source and lets no local install, build or data in', () => {
    expect(tracked.length).toBeGreaterThan(50);
    expect(contextProblems(dockerignore)).toEqual([]);
  });

  it.each([
    ['ignoring *.json', `${dockerignore}\n**/*.json\n`, /package\.json is left out/],
    ['ignoring the sources', `${dockerignore}\npackages/*/src\n`, /packages\/server\/src\/.* is left out/],
    [
      'not ignoring node_modules',
      dockerignore.replace('**/node_modules\n', ''),
      /node_modules\/x would be sent/,
    ],
  ])('fails on %s', (_name, text, message) => {
    expect(contextProblems(text).join('\n')).toMatch(message);
  });
});

describe('deploy/compose.yaml lint (dclint + the deploy rules)', () => {
  it('the shipped compose file is clean', () => {
    expect(lintCompose(COMPOSE)).toEqual([]);
  });

  it.each([
    [
      'a misspelt key (schema)',
      (c: string) => c.replace('    volumes:\n      - witness-data', '    volumnes:\n      - witness-data'),
      /invalid-schema/,
    ],
    [
      'a bad restart policy (schema)',
      (c: string) => c.replace('restart: unless-stopped', 'restart: 42'),
      /invalid-schema/,
    ],
    [
      'an unpinned image',
      (c: string) => c.replace('grafana/grafana:11.6.0', 'grafana/grafana'),
      /explicit-tag/,
    ],
    [
      'a missing bind source',
      (c: string) => c.replace('./grafana/provisioning:', './grafana/provisoning:'),
      /provisoning does not exist/,
    ],
    [
      'an undeclared named volume',
      (c: string) => c.replace('      - prometheus-data:/prometheus', '      - prom-data:/prometheus'),
      /prom-data is not declared/,
    ],
    [
      'a dependency on a missing service',
      (c: string) => c.replace('      - prometheus\n', '      - prometheos\n'),
      /no service prometheos/,
    ],
    [
      'a default password',
      (c: string) =>
        c.replace(/\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]*\}/, '$' + '{GRAFANA_ADMIN_PASSWORD:-admin}'),
      /must be \$\{VAR:\?message\}/,
    ],
    [
      'a port open on every interface',
      (c: string) => c.replace('- "127.0.0.1:4318:4318"', '- "4318:4318"'),
      /every interface/,
    ],
    [
      'a missing Dockerfile',
      (c: string) => c.replace('dockerfile: Dockerfile', 'dockerfile: Containerfile'),
      /Containerfile does not exist/,
    ],
  ])('fails on %s', (name, breakIt, message) => {
    const broken = breakIt(compose);
    expect(broken, 'the mutation must change the compose file').not.toBe(compose);
    expect(lintComposeText(name.replace(/\W+/g, '-'), broken).join('\n')).toMatch(message);
  });

  it('a service_healthy dependency needs a health check: removing the image HEALTHCHECK fails it', () => {
    const dir = mkdtempSync(join(scratch, 'ctx-'));
    writeFileSync(join(dir, 'Dockerfile'), dockerfile.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ''));
    const text = compose.replace('      context: ..\n', `      context: ${dir}\n`);
    expect(lintComposeText('no-healthcheck', text).join('\n')).toMatch(
      /witness must be healthy but has no health check/,
    );
  });
});

describe('what the compose file mounts', () => {
  const doc = parseYaml(compose) as {
    services: Record<string, { command?: string[]; volumes?: string[]; ports?: string[] }>;
  };
  const promDir = join(REPO_ROOT, 'deploy/prometheus');

  it('Prometheus runs prometheus.compose.yml: prometheus.yml with the compose service as its target', () => {
    const config = doc.services.prometheus!.command!.find((a) => a.startsWith('--config.file='))!;
    expect(config).toBe('--config.file=/etc/prometheus/prometheus.compose.yml');
    expect(doc.services.prometheus!.volumes).toContain('./prometheus:/etc/prometheus:ro');
    const shipped = parseYaml(readFileSync(join(promDir, 'prometheus.yml'), 'utf8'));
    const forCompose = parseYaml(readFileSync(join(promDir, 'prometheus.compose.yml'), 'utf8'));
    expect(forCompose.scrape_configs[0].static_configs[0].targets).toEqual(['witness:4318']);
    forCompose.scrape_configs[0].static_configs[0].targets =
      shipped.scrape_configs[0].static_configs[0].targets;
    expect(forCompose).toEqual(shipped);
  });

  const { skip, reason } = skipWithoutPrometheus();
  it.skipIf(skip)(`promtool check config passes on prometheus.compose.yml${reason}`, () => {
    const rules = readdirSync(join(promDir, 'rules')).filter((f) => f.endsWith('.yml'));
    const r = spawnSync(requireBinary(PROMTOOL, 'promtool'), ['check', 'config', 'prometheus.compose.yml'], {
      cwd: promDir,
      encoding: 'utf8',
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${rules.length} rule files found`);
  });

  it('Grafana gets the provisioning folder and the dashboards where the provider looks for them', () => {
    const volumes = doc.services.grafana!.volumes!;
    expect(volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    const provider = parseYaml(
      readFileSync(join(REPO_ROOT, 'deploy/grafana/provisioning/dashboards/witness.yml'), 'utf8'),
    );
    const path = provider.providers[0].options.path as string;
    expect(volumes).toContain(`./grafana/dashboards:${path}:ro`);
    expect(readdirSync(join(REPO_ROOT, 'deploy/grafana/dashboards')).length).toBeGreaterThan(0);
    const datasource = parseYaml(
      readFileSync(join(REPO_ROOT, 'deploy/grafana/provisioning/datasources/witness-prometheus.yml'), 'utf8'),
    );
    const host = new URL(datasource.datasources[0].url).hostname;
    expect(Object.keys(doc.services)).toContain(host);
  });

  it('Witness publishes the port the image exposes and keeps its data in a named volume at the VOLUME', () => {
    expect(doc.services.witness!.ports).toEqual([`127.0.0.1:${RULES.port}:${RULES.port}`]);
    expect(doc.services.witness!.volumes).toEqual([`witness-data:${RULES.dataDir}`]);
  });
});
