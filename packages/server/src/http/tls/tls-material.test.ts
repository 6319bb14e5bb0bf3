import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../../../../../test/helpers/certificates.js';
import { loadTlsMaterial, TlsConfigError } from './tls-material.js';
import { TlsReloader } from './tls-reload.js';

let dir: string;
let a: TestCertificate;
let b: TestCertificate;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-tls-'));
  [a, b] = await Promise.all([makeCertificate(), makeCertificate()]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTlsMaterial', () => {
  it('reads a matching pair and says which certificate it is', () => {
    const m = loadTlsMaterial({ cert: file('a.crt', a.cert), key: file('a.key', a.key) });
    expect(m.info.fingerprint256).toBe(a.fingerprint256);
    expect(m.info.serialNumber).toBe(a.serialNumber);
    expect(m.info.subject).toContain('CN=witness-test-');
    expect(m.info.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(m.info.validTo.getTime()).toBeGreaterThan(Date.now());
  });

  it('names the key and the path of a file it cannot read', () => {
    const missing = join(dir, 'nope.crt');
    expect(() => loadTlsMaterial({ cert: missing, key: file('a.key', a.key) })).toThrow(
      new RegExp(`^server\\.tls\\.cert: cannot read ${missing} \\(ENOENT`),
    );
    expect(() => loadTlsMaterial({ cert: file('a.crt', a.cert), key: missing })).toThrow(
      /^server\.tls\.key: cannot read/,
    );
  });

  it('refuses files that are not PEM, or a key where the certificate belongs', () => {
    expect(() => loadTlsMaterial({ cert: file('junk.crt', 'hello'), key: file('a.key', a.key) })).toThrow(
      /server\.tls\.cert: .*junk\.crt holds no PEM block/,
    );
    expect(() => loadTlsMaterial({ cert: file('swapped.crt', a.key), key: file('a.key', a.key) })).toThrow(
      /server\.tls\.cert: .*swapped\.crt is not a PEM certificate/,
    );
    expect(() => loadTlsMaterial({ cert: file('a.crt', a.cert), key: file('cert-as.key', a.cert) })).toThrow(
      /server\.tls\.key: .*cert-as\.key is not an unencrypted PEM private key/,
    );
  });

  it('refuses a key that belongs to another certificate, naming both files', () => {
    let err: unknown;
    try {
      loadTlsMaterial({ cert: file('a.crt', a.cert), key: file('b.key', b.key) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TlsConfigError);
    expect((err as Error).message).toMatch(
      /server\.tls\.key: .*b\.key does not belong to the certificate in server\.tls\.cert .*a\.crt/,
    );
  });
});

describe('TlsReloader on a real HTTPS server', () => {
  let server: Server;
  let port: number;
  const certPath = () => join(dir, 'live.crt');
  const keyPath = () => join(dir, 'live.key');

  /** A fresh connection (no session reuse): the certificate the server presents now. */
  const presented = () =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: [a.cert, b.cert] }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.once('error', reject);
    });

  beforeAll(async () => {
    writeFileSync(certPath(), a.cert);
    writeFileSync(keyPath(), a.key);
    const m = loadTlsMaterial({ cert: certPath(), key: keyPath() });
    server = createServer({ cert: m.cert, key: m.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('serves the new pair to new connections after a reload, and keeps the old one when the new pair is bad', async () => {
    const reloader = new TlsReloader(
      server,
      { cert: certPath(), key: keyPath() },
      loadTlsMaterial({ cert: certPath(), key: keyPath() }).info,
    );
    expect(await presented()).toBe(a.fingerprint256);

    writeFileSync(certPath(), b.cert);
    writeFileSync(keyPath(), b.key);
    const swapped = reloader.reload();
    expect(swapped).toMatchObject({
      ok: true,
      info: { fingerprint256: b.fingerprint256 },
      previous: { fingerprint256: a.fingerprint256 },
    });
    expect(await presented()).toBe(b.fingerprint256);

    // half a rotation: the new certificate is there, its key is not yet
    writeFileSync(certPath(), a.cert);
    const failed = reloader.reload();
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error).toMatch(/does not belong to the certificate/);
      expect(failed.current.fingerprint256).toBe(b.fingerprint256);
    }
    expect(await presented(), 'the certificate in force stays').toBe(b.fingerprint256);
    expect(reloader.current.fingerprint256).toBe(b.fingerprint256);
  });
});
