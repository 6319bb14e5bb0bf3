/**
 * The scale-out deployment files (docs/scale-out.md), checked without a container runtime or a
 * Kubernetes cluster (neither runs on these machines): deploy/scale-out/compose.yaml passes the compose
 * linter of test/deploy-lint.test.ts (and a broken copy fails it); every manifest of deploy/kubernetes
 * validates against the Kubernetes API's OpenAPI schema (kubernetes-models) and builds with
 * `kubectl kustomize`; and both describe the layout the docs promise — 3 ClickHouse servers, 2 ingest
 * nodes, 1 query node, each Witness node with its role, a unique node name, and a persistent volume.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import { envVarNames } from '@witness/server';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { lintCompose } from './helpers/deploy-lint.js';
import { REPO_ROOT } from './helpers/witness-process.js';

const COMPOSE = join(REPO_ROOT, 'deploy/scale-out/compose.yaml');
const K8S = join(REPO_ROOT, 'deploy/kubernetes');
const MANIFESTS = ['clickhouse.yaml', 'witness-ingest.yaml', 'witness-query.yaml'];

const variants: string[] = [];
afterAll(() => {
  for (const v of variants) rmSync(v, { force: true });
});

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown> };
const MODELS: Record<string, new (d: never) => { validate(): void }> = {
  'v1/ConfigMap': core.ConfigMap,
  'v1/Service': core.Service,
  'apps/v1/StatefulSet': apps.StatefulSet,
};

function documents(file: string, text = readFileSync(join(K8S, file), 'utf8')): Doc[] {
  return parseAllDocuments(text).map((d) => d.toJSON() as Doc);
}

/** Schema problems of one manifest document (empty when valid). */
function validate(doc: Doc): string[] {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return [`${doc.apiVersion} ${doc.kind} is not a kind this deployment uses`];
  try {
    new Model(doc as never).validate();
    return [];
  } catch (err) {
    return [`${doc.kind} ${doc.metadata?.name}: ${(err as Error).message}`];
  }
}

describe('deploy/scale-out/compose.yaml', () => {
  it('passes the compose linter', () => {
    expect(lintCompose(COMPOSE)).toEqual([]);
  });

  it('a broken copy fails it (a ClickHouse password with a default)', () => {
    const path = join(REPO_ROOT, 'deploy/scale-out', `.lint-broken-${process.pid}.yaml`);
    variants.push(path);
    writeFileSync(
      path,
      readFileSync(COMPOSE, 'utf8').replace(/\$\{CLICKHOUSE_PASSWORD:\?[^}]+\}/, 'changeme'),
    );
    expect(lintCompose(path).join('\n')).toMatch(/CLICKHOUSE_PASSWORD.*secret/);
  });

  it('runs 3 ClickHouse servers, 2 ingest nodes and 1 query node, each Witness with its role and name', () => {
    const services = parseYaml(readFileSync(COMPOSE, 'utf8')).services as Record<
      string,
      { command?: string[]; environment?: Record<string, string>; image?: string }
    >;
    const roleOf = (s: { command?: string[] }) => s.command?.[s.command.indexOf('--target') + 1];
    const witness = Object.entries(services).filter(([, s]) => s.command?.[0] === 'serve');
    expect(
      Object.values(services).filter((s) => s.image?.startsWith('clickhouse/clickhouse-server')),
    ).toHaveLength(3);
    expect(witness.filter(([, s]) => roleOf(s) === 'ingest')).toHaveLength(2);
    expect(witness.filter(([, s]) => roleOf(s) === 'query')).toHaveLength(1);
    const names = witness.map(([, s]) => s.environment?.WITNESS_SERVER_NODE_NAME);
    expect(new Set(names).size).toBe(3);
    for (const [name, s] of witness) {
      expect(s.environment?.WITNESS_STORE_ENGINE, name).toBe('clickhouse');
      expect(s.environment?.WITNESS_STORE_CLICKHOUSE_CLUSTER, name).toBe('witness');
    }
  });
});

describe('deploy/kubernetes', () => {
  it.each(MANIFESTS)('%s validates against the Kubernetes API schema', (file) => {
    const docs = documents(file);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.flatMap(validate)).toEqual([]);
  });

  it('a broken manifest fails the schema (a port given as text)', () => {
    const broken = readFileSync(join(K8S, 'witness-ingest.yaml'), 'utf8').replace(
      'containerPort: 4318',
      'containerPort: http-port',
    );
    expect(documents('witness-ingest.yaml', broken).flatMap(validate).join('\n')).toMatch(/containerPort/);
  });

  it('kubectl kustomize builds every manifest', () => {
    const r = spawnSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
    if (r.error && process.env.CI !== 'true') {
      // kubectl missing outside CI: the schema checks above still ran
      console.warn(`kubectl not found (${r.error.message}); kustomize build not checked`);
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJSON() as Doc).kind);
    expect(kinds.sort()).toEqual([
      'ConfigMap',
      'Service',
      'Service',
      'Service',
      'StatefulSet',
      'StatefulSet',
      'StatefulSet',
    ]);
  });

  it('describes 3 ClickHouse replicas, 2 ingest and 1 query node, Services selecting their pods', () => {
    const all = MANIFESTS.flatMap((f) => documents(f));
    const sets = all.filter((d) => d.kind === 'StatefulSet') as Array<
      Doc & {
        spec: {
          replicas: number;
          template: {
            metadata: { labels: Record<string, string> };
            spec: {
              containers: Array<{
                args?: string[];
                env?: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
              }>;
            };
          };
          volumeClaimTemplates?: unknown[];
        };
      }
    >;
    const byName = Object.fromEntries(sets.map((s) => [s.metadata.name, s]));
    expect(byName.clickhouse?.spec.replicas).toBe(3);
    expect(byName['witness-ingest']?.spec.replicas).toBe(2);
    expect(byName['witness-query']?.spec.replicas).toBe(1);
    for (const [name, target] of [
      ['witness-ingest', 'ingest'],
      ['witness-query', 'query'],
    ] as const) {
      const c = byName[name]!.spec.template.spec.containers[0]!;
      expect(c.args?.[c.args.indexOf('--target') + 1], name).toBe(target);
      // the node name is the pod's: unique per node (derived metrics `node` label, lease owner)
      expect(c.env?.find((e) => e.name === 'WITNESS_SERVER_NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe(
        'metadata.name',
      );
      // spool and audit log survive a restart
      expect(byName[name]!.spec.volumeClaimTemplates, name).toHaveLength(1);
    }
    for (const svc of all.filter((d) => d.kind === 'Service') as Array<
      Doc & { spec: { selector: Record<string, string> } }
    >) {
      const target = sets.find((s) =>
        Object.entries(svc.spec.selector).every(([k, v]) => s.spec.template.metadata.labels[k] === v),
      );
      expect(target, `Service ${svc.metadata.name} selects no pods`).toBeDefined();
    }
  });
});

describe('the Witness environment of both layouts', () => {
  it('names only configuration keys witness serve knows (a typo would be refused at start)', () => {
    const known = envVarNames();
    const compose = parseYaml(readFileSync(COMPOSE, 'utf8')).services as Record<
      string,
      { command?: string[]; environment?: Record<string, string> }
    >;
    const names = Object.values(compose)
      .filter((s) => s.command?.[0] === 'serve')
      .flatMap((s) => Object.keys(s.environment ?? {}));
    for (const file of ['witness-ingest.yaml', 'witness-query.yaml'])
      for (const d of documents(file))
        if (d.kind === 'StatefulSet')
          for (const c of (
            d.spec as { template: { spec: { containers: Array<{ env?: Array<{ name: string }> }> } } }
          ).template.spec.containers)
            names.push(...(c.env ?? []).map((e) => e.name));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => n.startsWith('WITNESS_') && !known.has(n))).toEqual([]);
  });
});
