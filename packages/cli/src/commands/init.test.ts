import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, envVarNames, loadConfig } from '@witness/server';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nextSteps, renderConfigYaml } from './init.js';

const dir = mkdtempSync(join(tmpdir(), 'witness-init-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` and reads it back through the loader `witness serve` uses. */
function loadBack(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return loadConfig({ file });
}

/** The value at a dotted path of a parsed YAML document, or undefined. */
function at(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => {
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    return (node as Record<string, unknown>)[key];
  }, doc);
}

describe('renderConfigYaml', () => {
  const defaults = configSchema.parse({});
  const text = renderConfigYaml(defaults);

  it('loads back through the real config loader as exactly the defaults', () => {
    expect(loadBack('defaults.yaml', text)).toEqual(defaults);
  });

  it('writes every section and every key of the schema explicitly, not by falling back to defaults', () => {
    const raw = parse(text) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual(Object.keys(configSchema.shape));
    const paths = [...new Set([...envVarNames().values()].map((l) => l.path))];
    expect(paths.length).toBeGreaterThan(30);
    const missing = paths.filter((p) => at(raw, p) === undefined);
    expect(missing).toEqual([]);
    for (const p of paths) expect(at(raw, p)).toEqual(at(defaults, p));
  });

  it('comments every key with what it accepts and its environment variable', () => {
    for (const [name, leaf] of envVarNames()) expect(text, leaf.path).toContain(name);
    expect(text).toMatch(/# integer 0\.\.65535; env WITNESS_PORT, WITNESS_SERVER_PORT\n\s+port: 4318/);
    expect(text).toMatch(/# one of trace, debug, info, warn, error, fatal, silent; env WITNESS_LOG_LEVEL\n/);
    expect(text).toMatch(/# string, or null \(unset\); env WITNESS_AUTH_SCRAPE_TOKEN\n\s+scrapeToken: null/);
    expect(text).toMatch(/^# Witness configuration/);
  });

  it('carries init flags through, and a data dir that needs YAML quoting survives', () => {
    const config = loadConfig({ flags: { dataDir: "/var/lib/wit ness: 'x' #1", server: { port: 9000 } } });
    const back = loadBack('flags.yaml', renderConfigYaml(config));
    expect(back).toEqual({
      ...defaults,
      dataDir: "/var/lib/wit ness: 'x' #1",
      server: { ...defaults.server, port: 9000 },
    });
  });
});

describe('nextSteps', () => {
  it('prints the serve command, the OTLP environment and the SDK snippet for the configured port', () => {
    const config = loadConfig({ flags: { server: { port: 9000 } } });
    const out = nextSteps('conf/witness.yaml', config);
    expect(out).toContain('npx witness serve --config conf/witness.yaml');
    expect(out).toContain('export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9000');
    expect(out).toContain("init({ serviceName: 'my-agent', endpoint: 'http://127.0.0.1:9000' })");
    expect(nextSteps('my config.yaml', config)).toContain("--config 'my config.yaml'");
  });

  it('points at loopback when the server listens on every interface', () => {
    const config = loadConfig({ flags: { server: { host: '0.0.0.0' } } });
    expect(nextSteps('witness.yaml', config)).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318');
  });
});
