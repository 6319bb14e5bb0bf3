import type { Server as HttpsServer } from 'node:https';
import {
  type CertificateInfo,
  loadTlsMaterial,
  TlsConfigError,
  type TlsMaterial,
  type TlsPaths,
} from './tls-material.js';

/** A reload either swaps the certificate or leaves the one in force: both are expected outcomes. */
export type TlsReloadResult =
  | { ok: true; info: CertificateInfo; previous: CertificateInfo }
  | { ok: false; error: string; current: CertificateInfo };

/**
 * Re-reads the certificate and key files and, only if the new pair checks out, swaps the server's
 * secure context: connections already open keep their session, new handshakes get the new
 * certificate. A bad new pair (half-written file, key of another certificate) keeps the old one.
 */
export class TlsReloader {
  #current: CertificateInfo;

  constructor(
    private readonly server: HttpsServer,
    private readonly paths: TlsPaths,
    initial: CertificateInfo,
    /** Also given each new pair once the HTTPS server took it (the OTLP/gRPC listener). */
    private readonly onSwap?: (material: TlsMaterial) => void,
  ) {
    this.#current = initial;
  }

  get current(): CertificateInfo {
    return this.#current;
  }

  reload(): TlsReloadResult {
    try {
      const material = loadTlsMaterial(this.paths);
      this.server.setSecureContext({ cert: material.cert, key: material.key });
      this.onSwap?.(material);
      const previous = this.#current;
      this.#current = material.info;
      return { ok: true, info: material.info, previous };
    } catch (err) {
      const error = err instanceof TlsConfigError || err instanceof Error ? err.message : String(err);
      return { ok: false, error, current: this.#current };
    }
  }
}
