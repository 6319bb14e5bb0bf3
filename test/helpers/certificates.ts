/**
 * Self-signed certificates for TLS tests, made in-process by the `selfsigned` package (Node's WebCrypto
 * underneath: no openssl binary). Each call makes a new key pair and serial, so two calls give two
 * certificates a client can tell apart by fingerprint.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface TestCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint as Node's getPeerCertificate().fingerprint256 prints it. */
  fingerprint256: string;
  serialNumber: string;
  validTo: Date;
}

/**
 * A certificate for localhost, 127.0.0.1 and ::1. The subject is unique per call: a client trusting two
 * of them looks the issuer up by subject, and two certificates named alike would shadow each other.
 */
export async function makeCertificate(
  commonName = `witness-test-${randomUUID().slice(0, 8)}`,
): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const x509 = new X509Certificate(pems.cert);
  return {
    cert: pems.cert,
    key: pems.private,
    fingerprint256: x509.fingerprint256,
    serialNumber: x509.serialNumber,
    validTo: new Date(x509.validTo),
  };
}
