/**
 * The certificate and key Witness serves HTTPS with, read from the PEM files `server.tls.cert` and
 * `server.tls.key` and checked before use: at start a bad file stops the process with a message naming
 * the key and the path; on a SIGHUP reload it leaves the certificate in force untouched.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsPaths {
  /** PEM certificate chain, leaf first (intermediates after it). */
  cert: string;
  /** PEM private key of the leaf certificate (unencrypted PKCS#8, PKCS#1 or SEC1). */
  key: string;
}

/** What a log line and a test need to tell one certificate from another. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  subjectAltName: string | null;
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated hex (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string;
  validFrom: Date;
  validTo: Date;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  info: CertificateInfo;
}

/** A certificate or key file that cannot be served; the message names the config key and the path. */
export class TlsConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsConfigError';
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

function readPem(path: string, configKey: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`${configKey}: cannot read ${path} (${reason(err)})`, { cause: err });
  }
  if (!data.includes('-----BEGIN ')) throw new TlsConfigError(`${configKey}: ${path} holds no PEM block`);
  return data;
}

export function certificateInfo(cert: X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    issuer: cert.issuer.replaceAll('\n', ', '),
    subjectAltName: cert.subjectAltName ?? null,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
  };
}

/** Reads and checks the pair; throws TlsConfigError saying what is wrong with which file. */
export function loadTlsMaterial(paths: TlsPaths): TlsMaterial {
  const cert = readPem(paths.cert, 'server.tls.cert');
  const key = readPem(paths.key, 'server.tls.key');
  let leaf: X509Certificate;
  try {
    // the first certificate of the file: the leaf, which the key must belong to
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsConfigError(`server.tls.cert: ${paths.cert} is not a PEM certificate (${reason(err)})`, {
      cause: err,
    });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsConfigError(
      `server.tls.key: ${paths.key} is not an unencrypted PEM private key (${reason(err)})`,
      { cause: err },
    );
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new TlsConfigError(
      `server.tls.key: ${paths.key} does not belong to the certificate in server.tls.cert ${paths.cert} ` +
        `(subject ${leaf.subject.replaceAll('\n', ', ')}, serial ${leaf.serialNumber}); ` +
        'give the key the certificate was issued for',
    );
  try {
    // what the server will do with them: catches what the checks above do not (a key OpenSSL's
    // security level refuses, a broken intermediate in the chain)
    createSecureContext({ cert, key });
  } catch (err) {
    throw new TlsConfigError(
      `server.tls: ${paths.cert} and ${paths.key} cannot be used together (${reason(err)})`,
      { cause: err },
    );
  }
  return { cert, key, info: certificateInfo(leaf) };
}

/** Days until the certificate expires (negative once it has): the start and reload logs warn under 14. */
export function daysLeft(info: CertificateInfo, now = Date.now()): number {
  return (info.validTo.getTime() - now) / 86_400_000;
}
