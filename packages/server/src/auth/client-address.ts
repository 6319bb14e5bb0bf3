/**
 * The address a request came from, for per-address rate limits and the failed-attempt bound.
 *
 * X-Forwarded-For is trusted only when the TCP peer is one of `trustedProxies` (off by default):
 * anyone can send the header, so trusting it blindly would let a client pick a fresh address per
 * request and walk past every per-address limit. Behind trusted proxies the client is the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy (each proxy appends the address it saw).
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

const normalize = (a: string) => a.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

export function clientAddressOf(trustedProxies: readonly string[]): (c: Context) => string {
  const trusted = new Set(trustedProxies.map(normalize));
  return (c) => {
    const env = c.env as { incoming?: IncomingMessage; remoteAddress?: string } | undefined;
    // in-process requests have no socket: OTLP/gRPC calls name their peer, tests (app.request) nothing
    const peer = normalize(env?.incoming?.socket.remoteAddress ?? env?.remoteAddress ?? 'local');
    if (!trusted.has(peer)) return peer;
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map(normalize).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
    return peer;
  };
}

/** Loopback host names and addresses: binding there keeps Witness unreachable from the network. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
