/**
 * What an SRE alerts on for TLS: when the served certificate expires (a renewal that never reached
 * Witness shows here weeks before clients fail) and whether SIGHUP reloads worked.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CertificateInfo } from './tls-material.js';

export interface TlsMetrics {
  reloaded(ok: boolean): void;
}

export function registerTlsMetrics(registry: Registry, current: () => CertificateInfo | null): TlsMetrics {
  new Gauge({
    name: 'witness_tls_certificate_expiry_timestamp_seconds',
    help: 'Unix seconds at which the certificate Witness serves expires (notAfter); absent over plain HTTP.',
    registers: [registry],
    collect() {
      const info = current();
      if (info) this.set(info.validTo.getTime() / 1000);
    },
  });
  const reloads = new Counter({
    name: 'witness_tls_reloads_total',
    help: 'TLS certificate reloads (SIGHUP) by outcome: success, or failure (the previous certificate stays).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // both series exist from the start, so an alert on failure increases sees the first one
  reloads.inc({ outcome: 'success' }, 0);
  reloads.inc({ outcome: 'failure' }, 0);
  return { reloaded: (ok) => reloads.inc({ outcome: ok ? 'success' : 'failure' }) };
}
