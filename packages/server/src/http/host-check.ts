/**
 * DNS-rebinding defence: answer only requests whose Host header names this server.
 *
 * The attack: a web page on attacker.example makes its name resolve to 127.0.0.1 (or the Witness
 * host's LAN address); the victim's browser then treats Witness as same-origin with the attacker's
 * page and lets it read every answer. The request still carries `Host: attacker.example`, and that is
 * the one thing the attacker cannot change — so a name Witness was not told about is refused.
 *
 * Allowed without configuration (the rules Vite's dev server uses for the same attack):
 * - IP literals (`127.0.0.1`, `10.0.0.5`, `[::1]`): no DNS is involved, nothing can be rebound, and
 *   kubelet probes and Prometheus scrape by pod IP;
 * - `localhost` and `*.localhost` (RFC 6761: always loopback in browsers);
 * - the name Witness is bound to (`server.host`) unless it is a wildcard address.
 * Everything else must be listed in `server.allowedHosts` (`.example.com` allows its subdomains too,
 * `*` turns the check off, e.g. behind a proxy that already checks Host).
 */
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { WitnessError } from './errors.js';

/** Health checks: load balancers and probes send a Host of their own, and the answers hold no data. */
export const HEALTH_PATHS: readonly string[] = ['/healthz', '/readyz'];

export interface HostCheckOptions {
  /** `server.allowedHosts`: extra names; `.example.com` matches it and its subdomains; `*` any. */
  allowedHosts: readonly string[];
  /** `server.host`: allowed too unless it is a wildcard (0.0.0.0, ::). */
  boundHost: string;
  /** Paths answered whatever the Host (health checks: load balancers send their own Host). */
  exemptPaths?: readonly string[];
}

/** `Host` header → lower-case name without port, brackets or trailing dot; null if unparsable. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    return h.slice(1, end);
  }
  const colon = h.lastIndexOf(':');
  if (colon >= 0) {
    if (h.indexOf(':') !== colon) return null; // bare IPv6 without brackets is not a valid Host
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h || null;
}

/** The predicate the middleware applies; exported for tests and for whoever needs the same rule. */
export function hostAllowed(name: string | null, options: HostCheckOptions): boolean {
  if (name === null) return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  // an IP-literal bound host is covered above; a wildcard one names nothing
  if (name === options.boundHost.trim().toLowerCase().replace(/\.$/, '')) return true;
  for (const raw of options.allowedHosts) {
    const allowed = raw.trim().toLowerCase();
    if (allowed === '*') return true;
    if (allowed.startsWith('.')) {
      if (name === allowed.slice(1) || name.endsWith(allowed)) return true;
    } else if (hostName(allowed) === name) return true;
  }
  return false;
}

export function hostCheck(options: HostCheckOptions): MiddlewareHandler {
  const exempt = new Set(options.exemptPaths ?? []);
  return async (c, next) => {
    if (exempt.has(c.req.path)) return next();
    // app.request() in tests builds a Request with no Host header: its URL carries the host instead
    const header = c.req.header('host') ?? new URL(c.req.url).host;
    if (hostAllowed(hostName(header), options)) return next();
    const shown = header.slice(0, 100);
    throw new WitnessError(
      'FORBIDDEN',
      `Host "${shown}" is not a name this Witness answers to (DNS-rebinding protection). If clients ` +
        'reach Witness by that name, add it to server.allowedHosts (env WITNESS_SERVER_ALLOWED_HOSTS, ' +
        'comma-separated); IP addresses and localhost are always accepted.',
    );
  };
}
