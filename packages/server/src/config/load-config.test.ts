import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envVarNames, loadConfig } from './index.js';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'witness-config-')), 'witness.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig();
    expect(c.server).toEqual({
      target: 'all',
      nodeName: null,
      host: '127.0.0.1',
      port: 4318,
      uiDir: null,
      maxConnections: 1024,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      lingerMaxBytes: 64 * 1024 * 1024,
      lingerMs: 10_000,
      tls: { cert: null, key: null, hstsMaxAgeSeconds: 31_536_000 },
      grpc: { enabled: false, port: 4317, host: null },
      allowedHosts: [],
    });
    expect(c.dataDir).toBe('./data');
    expect(c.limits.maxRequestBytes).toBe(16 * 1024 * 1024);
    expect(c.limits.maxDecompressedBytes).toBe(64 * 1024 * 1024);
    expect(c.retention).toEqual({ maxAgeDays: 30, intervalMinutes: 60 });
  });

  it('applies flags over env over file over defaults', () => {
    const file = yamlFile(
      'server:\n  port: 1111\n  host: 0.0.0.0\nretention:\n  maxAgeDays: 7\ndataDir: /from/file\n',
    );
    const c = loadConfig({
      file,
      env: { WITNESS_PORT: '2222', WITNESS_DATA_DIR: '/from/env', PATH: '/bin' },
      flags: { server: { port: 3333 } },
    });
    expect(c.server.port).toBe(3333);
    expect(c.server.host).toBe('0.0.0.0');
    expect(c.dataDir).toBe('/from/env');
    expect(c.retention.maxAgeDays).toBe(7);
    expect(c.retention.intervalMinutes).toBe(60);
  });

  it('maps WITNESS_<SECTION>_<KEY> env vars onto the schema, with numbers parsed', () => {
    const c = loadConfig({
      env: { WITNESS_RETENTION_MAX_AGE_DAYS: '3', WITNESS_LIMITS_MAX_REQUEST_BYTES: '1024' },
    });
    expect(c.retention.maxAgeDays).toBe(3);
    expect(c.limits.maxRequestBytes).toBe(1024);
    expect(envVarNames().has('WITNESS_SERVER_PORT')).toBe(true);
  });

  it('reads server.tls.* and a comma-separated server.allowedHosts from env, and wants cert and key together', () => {
    const c = loadConfig({
      env: {
        WITNESS_SERVER_TLS_CERT: '/etc/witness/tls.crt',
        WITNESS_SERVER_TLS_KEY: '/etc/witness/tls.key',
        WITNESS_SERVER_ALLOWED_HOSTS: 'witness.example.com, .corp.example',
      },
    });
    expect(c.server.tls).toEqual({
      cert: '/etc/witness/tls.crt',
      key: '/etc/witness/tls.key',
      hstsMaxAgeSeconds: 31_536_000,
    });
    expect(c.server.allowedHosts).toEqual(['witness.example.com', '.corp.example']);
    expect(() => loadConfig({ env: { WITNESS_SERVER_TLS_KEY: '/etc/witness/tls.key' } })).toThrow(
      /server\.tls\.cert and server\.tls\.key go together/,
    );
  });

  it('names an unknown key of the file', () => {
    const file = yamlFile('limits:\n  maxRequestByte: 10\n');
    expect(() => loadConfig({ file })).toThrow(ConfigError);
    expect(() => loadConfig({ file })).toThrow(
      /unknown config key "limits.maxRequestByte" \(from config file/,
    );
  });

  it('names an unknown top-level section', () => {
    const file = yamlFile('retension:\n  maxAgeDays: 1\n');
    expect(() => loadConfig({ file })).toThrow(/unknown config key "retension"/);
  });

  it('names an invalid value and the env var it came from', () => {
    expect(() => loadConfig({ env: { WITNESS_PORT: 'eighty' } })).toThrow(
      /invalid config key "server.port" \(from environment variable WITNESS_PORT\)/,
    );
    expect(() => loadConfig({ env: { WITNESS_RETENTION_MAX_AGE_DAYS: '-1' } })).toThrow(
      /retention.maxAgeDays/,
    );
  });

  it('rejects an unknown WITNESS_ variable, listing the known ones', () => {
    expect(() => loadConfig({ env: { WITNESS_PROT: '1' } })).toThrow(
      /unknown environment variable WITNESS_PROT.*WITNESS_PORT/,
    );
  });

  it('names a bad flag', () => {
    expect(() => loadConfig({ flags: { server: { port: 70000 } } })).toThrow(
      /"server.port" \(from command-line flag\)/,
    );
  });

  it('reports unreadable and non-YAML files', () => {
    expect(() => loadConfig({ file: '/nonexistent/witness.yaml' })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ file: yamlFile('server: [1, 2\n') })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: yamlFile('- 1\n- 2\n') })).toThrow(/mapping/);
  });

  it('reads WITNESS_LOG_LEVEL as logLevel and names a bad level', () => {
    expect(loadConfig().logLevel).toBe('info');
    expect(loadConfig({ env: { WITNESS_LOG_LEVEL: 'debug' } }).logLevel).toBe('debug');
    expect(loadConfig({ file: yamlFile('logLevel: warn\n') }).logLevel).toBe('warn');
    expect(() => loadConfig({ env: { WITNESS_LOG_LEVEL: 'loud' } })).toThrow(
      /invalid config key "logLevel" \(from environment variable WITNESS_LOG_LEVEL\)/,
    );
  });

  it('reads the YAML file named by WITNESS_CONFIG; --config wins over it', () => {
    const fromEnv = yamlFile('retention:\n  maxAgeDays: 3\n');
    const fromFlag = yamlFile('retention:\n  maxAgeDays: 9\n');
    expect(loadConfig({ env: { WITNESS_CONFIG: fromEnv } }).retention.maxAgeDays).toBe(3);
    expect(loadConfig({ file: fromFlag, env: { WITNESS_CONFIG: fromEnv } }).retention.maxAgeDays).toBe(9);
    expect(() => loadConfig({ env: { WITNESS_CONFIG: '/nonexistent/w.yaml' } })).toThrow(
      /cannot read config file \/nonexistent\/w.yaml/,
    );
    expect(() => loadConfig({ env: { WITNESS_CONFIG: yamlFile('bogus: 1\n') } })).toThrow(
      /unknown config key "bogus" \(from config file/,
    );
  });
  it('a retired key (audit.adminToken) says what replaced it, from the file and from env', () => {
    expect(() => loadConfig({ file: yamlFile('audit:\n  adminToken: a-long-admin-token-0123\n') })).toThrow(
      /config key "audit.adminToken" \(from config file .*\) was replaced by admin API keys: .*witness keys create/,
    );
    expect(() => loadConfig({ env: { WITNESS_AUDIT_ADMIN_TOKEN: 'a-long-admin-token-0123' } })).toThrow(
      /WITNESS_AUDIT_ADMIN_TOKEN \(config key audit.adminToken\) was replaced by admin API keys/,
    );
  });
  it('takes the OIDC client secret from env, never from the file, and checks the OIDC section', () => {
    const file = yamlFile('auth:\n  oidc:\n    issuer: https://idp.example\n    clientId: witness\n');
    const env = { WITNESS_AUTH_OIDC_CLIENT_SECRET: 's3cret' };
    const config = loadConfig({ file, env });
    expect(config.auth.oidc).toMatchObject({
      issuer: 'https://idp.example',
      clientId: 'witness',
      clientSecret: 's3cret',
    });
    const inFile = yamlFile(
      'auth:\n  oidc:\n    issuer: https://idp.example\n    clientId: w\n    clientSecret: s3cret\n',
    );
    expect(() => loadConfig({ file: inFile })).toThrow(
      /"auth.oidc.clientSecret" is a secret .* set WITNESS_AUTH_OIDC_CLIENT_SECRET or auth.oidc.clientSecretFile/,
    );
    expect(() => loadConfig({ flags: { auth: { oidc: { issuer: 'https://idp.example' } } } })).toThrow(
      /auth.oidc.clientId.*required when auth.oidc.issuer is set/,
    );
    expect(() =>
      loadConfig({ flags: { auth: { oidc: { issuer: 'http://idp.example', clientId: 'w' } } } }),
    ).toThrow(/auth.oidc.issuer.*must be https/);
    // plain http only for an issuer on this machine (tests, a local Keycloak)
    expect(
      loadConfig({ flags: { auth: { oidc: { issuer: 'http://127.0.0.1:8080', clientId: 'w' } } } }).auth.oidc
        .issuer,
    ).toBe('http://127.0.0.1:8080');
  });
});
