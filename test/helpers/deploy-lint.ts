/**
 * Lints the container files without a container runtime (none runs on these machines):
 * - the Dockerfile with dockerfile-utils (the validator behind VS Code's Docker support: unknown
 *   instructions, bad flags and durations, invalid ports, …) every check set to error, plus the rules
 *   this project's image must keep (pinned bases, non-root final user, /data volume used as the data
 *   dir, a /readyz health check, exec-form entrypoint, COPY sources present);
 * - a compose file with dclint (the Compose Specification's JSON schema and its default rules: pinned
 *   image tags, quoting, key order, …), plus what neither sees: bind-mount sources and the Dockerfile
 *   exist, named volumes and depends_on targets are declared, a service_healthy dependency has a health
 *   check, ports are published on 127.0.0.1 only.
 * Each returns the problems found (empty when clean), each naming its line or path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DCLinter } from 'dclint';
import { DockerfileParser } from 'dockerfile-ast';
import { ValidationSeverity, type ValidatorSettings, validate } from 'dockerfile-utils';
import { parse as parseYaml } from 'yaml';

export interface DockerInstruction {
  keyword: string;
  /** Arguments as written, line continuations joined. */
  args: string;
  line: number;
}

export interface DockerStage {
  image: string;
  name: string | null;
  instructions: DockerInstruction[];
}

export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const lines = text.split('\n');
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const range = ins.getRange();
    // The raw text after the keyword, flags included (getArgumentsContent leaves flags out).
    const raw = lines
      .slice(range.start.line, range.end.line + 1)
      .join('\n')
      .slice(range.start.character)
      .replace(/^\s*\S+/, '');
    const args = raw
      .replace(/\\\r?\n/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const line = range.start.line + 1;
    if (keyword === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+as\s+(\S+))?$/i.exec(args);
      stages.push({ image: m?.[1] ?? args, name: m?.[2] ?? null, instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword, args, line });
  }
  return stages;
}

/** The JSON array of an exec-form instruction, or null if it is in shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** The last instruction of a keyword in a stage (Docker uses the last CMD/ENTRYPOINT/HEALTHCHECK). */
export function lastOf(stage: DockerStage, keyword: string): DockerInstruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** The command line the final stage runs: ENTRYPOINT followed by CMD, both in exec form. */
export function imageCommand(text: string): string[] {
  const final = parseDockerfile(text).at(-1);
  if (!final) throw new Error('Dockerfile has no FROM');
  const ep = lastOf(final, 'ENTRYPOINT');
  const cmd = lastOf(final, 'CMD');
  const e = ep ? execForm(ep.args) : [];
  const c = cmd ? execForm(cmd.args) : [];
  if (e === null || c === null) throw new Error('ENTRYPOINT and CMD must be in exec (JSON) form');
  return [...e, ...c];
}

/** The HEALTHCHECK command of the final stage (exec form, without the CMD keyword). */
export function healthcheckCommand(text: string): string[] | null {
  const final = parseDockerfile(text).at(-1);
  const hc = final && lastOf(final, 'HEALTHCHECK');
  const m = hc && /(?:^|\s)CMD\s+(.*)$/s.exec(hc.args);
  return m ? execForm(m[1]!.trim()) : null;
}

const ALL_ERRORS: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

export interface DockerfileRules {
  /** Directory COPY sources are read from (the build context). */
  contextDir: string;
  /** The volume the data dir must be, and the port the server listens on. */
  dataDir: string;
  port: number;
}

export function lintDockerfile(text: string, rules: DockerfileRules): string[] {
  const problems = validate(text, ALL_ERRORS).map(
    (d) => `line ${d.range.start.line + 1}: ${d.message} (dockerfile-utils)`,
  );
  const stages = parseDockerfile(text);
  if (stages.length < 2) problems.push('not multi-stage: build and runtime should be separate stages');
  const names = new Set<string>();
  for (const s of stages) {
    const from = s.instructions[0]!;
    if (!names.has(s.image)) {
      const tag = /^[^@]+?(?::([^/:@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(s.image);
      if (!s.image.includes('@') && (!tag?.[1] || tag[1] === 'latest'))
        problems.push(`line ${from.line}: base image ${s.image} is not pinned to a version tag`);
    }
    for (const i of s.instructions) {
      const fromFlag = /--from=(\S+)/.exec(i.args);
      if (i.keyword === 'COPY' && fromFlag && !names.has(fromFlag[1]!))
        problems.push(`line ${i.line}: COPY --from=${fromFlag[1]} names no earlier stage`);
      if ((i.keyword === 'COPY' || i.keyword === 'ADD') && !fromFlag) {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1))
          if (!/[*?[]/.test(src) && !existsSync(join(rules.contextDir, src)))
            problems.push(`line ${i.line}: COPY source ${src} does not exist in the build context`);
      }
    }
    if (s.name) names.add(s.name);
  }
  const final = stages.at(-1);
  if (!final) return [...problems, 'no FROM'];
  const user = lastOf(final, 'USER');
  if (!user || /^(root|0)(:|$)/.test(user.args))
    problems.push('the final stage runs as root: add USER with an unprivileged user');
  const volumes = final.instructions
    .filter((i) => i.keyword === 'VOLUME')
    .flatMap((i) => execForm(i.args) ?? i.args.split(/\s+/));
  if (!volumes.includes(rules.dataDir)) problems.push(`the final stage declares no VOLUME ${rules.dataDir}`);
  const exposed = final.instructions
    .filter((i) => i.keyword === 'EXPOSE')
    .flatMap((i) => i.args.split(/\s+/))
    .map((p) => Number(p.replace(/\/tcp$/, '')));
  if (!exposed.includes(rules.port)) problems.push(`the final stage does not EXPOSE ${rules.port}`);
  const hc = healthcheckCommand(text);
  if (!hc) problems.push('no HEALTHCHECK CMD in exec form in the final stage');
  else if (!hc.join(' ').includes('/readyz')) problems.push('the HEALTHCHECK does not probe /readyz');
  if (hc && /^(curl|wget)$/.test(hc[0]!))
    problems.push(`the HEALTHCHECK uses ${hc[0]}, which slim images do not have`);
  try {
    const cmd = imageCommand(text);
    const at = cmd.indexOf('--data-dir');
    if (at < 0 || cmd[at + 1] !== rules.dataDir)
      problems.push(`the command does not pass --data-dir ${rules.dataDir} (the VOLUME)`);
    if (!cmd.includes('serve')) problems.push('the command does not run `witness serve`');
  } catch (err) {
    problems.push((err as Error).message);
  }
  return problems;
}

/** dclint with its default rules (Compose Specification schema, pinned image tags, quoting, …); warnings fail too. */
function dclint(path: string): string[] {
  // Double quotes in ports: the repository's formatter (biome) writes YAML strings that way.
  const rules = { 'require-quotes-in-ports': [1, { quoteType: 'double' }] } as const;
  const linter = new DCLinter({ rules, quiet: false, debug: false, exclude: [] });
  return linter
    .lintFiles([path], false)
    .flatMap((r) => r.messages.map((m) => `line ${m.line}: ${m.message} (dclint ${m.rule})`));
}

type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  ports?: (string | number | { host_ip?: string; published?: string | number })[];
  environment?: Record<string, unknown> | string[];
};

/** Lints the compose file at `path`; relative paths in it resolve against its folder, as compose does. */
export function lintCompose(path: string): string[] {
  const composeDir = dirname(path);
  const problems = dclint(path);
  let doc: { services?: Record<string, ComposeService>; volumes?: Record<string, unknown> };
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    return [...problems, `YAML: ${(err as Error).message}`];
  }
  if (!doc || typeof doc !== 'object' || !doc.services) return [...problems, 'no services'];

  const services = doc.services;
  const declaredVolumes = new Set(Object.keys(doc.volumes ?? {}));
  for (const [name, svc] of Object.entries(services)) {
    if (!svc || typeof svc !== 'object') continue;
    const where = `services.${name}`;
    const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
    if (build) {
      const context = resolve(composeDir, build.context ?? '.');
      const dockerfile = join(context, build.dockerfile ?? 'Dockerfile');
      if (!existsSync(dockerfile)) problems.push(`${where}.build: ${dockerfile} does not exist`);
    }
    for (const v of svc.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '');
      if (source.startsWith('.') || isAbsolute(source)) {
        if (!existsSync(resolve(composeDir, source)))
          problems.push(`${where}.volumes: bind source ${source} does not exist (next to ${composeDir})`);
      } else if (source && !declaredVolumes.has(source)) {
        problems.push(`${where}.volumes: named volume ${source} is not declared under volumes:`);
      }
    }
    const deps = Array.isArray(svc.depends_on)
      ? Object.fromEntries(svc.depends_on.map((d) => [d, {}]))
      : (svc.depends_on ?? {});
    for (const [dep, opts] of Object.entries(deps)) {
      const target = services[dep];
      if (!target) {
        problems.push(`${where}.depends_on: no service ${dep}`);
        continue;
      }
      if (opts?.condition === 'service_healthy' && !hasHealthcheck(target, composeDir))
        problems.push(`${where}.depends_on: ${dep} must be healthy but has no health check`);
    }
    // No default passwords: a secret comes from the operator's environment, and compose must refuse
    // to start without it (`${VAR:?message}`), never fall back to a value written here.
    const env = Array.isArray(svc.environment)
      ? Object.fromEntries(svc.environment.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')]))
      : (svc.environment ?? {});
    for (const [key, value] of Object.entries(env)) {
      if (!/PASSWORD|SECRET|TOKEN/i.test(key)) continue;
      if (!/^\$\{[A-Z0-9_]+:\?[^}]+\}$/.test(String(value)))
        problems.push(
          `${where}.environment.${key}: a secret must be \${VAR:?message} (required), not a default`,
        );
    }
    for (const p of svc.ports ?? []) {
      const hostIp = typeof p === 'object' ? p.host_ip : /^(\[[^\]]+\]|[0-9.]+):/.exec(String(p))?.[1];
      if (hostIp !== '127.0.0.1')
        problems.push(`${where}.ports: ${JSON.stringify(p)} is published on every interface, not 127.0.0.1`);
    }
  }
  return problems;
}

function hasHealthcheck(svc: ComposeService, composeDir: string): boolean {
  if (svc.healthcheck) return svc.healthcheck.disable !== true;
  const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
  if (!build) return false; // a pulled image's own HEALTHCHECK cannot be seen from here
  const dockerfile = join(resolve(composeDir, build.context ?? '.'), build.dockerfile ?? 'Dockerfile');
  return existsSync(dockerfile) && healthcheckCommand(readFileSync(dockerfile, 'utf8')) !== null;
}
