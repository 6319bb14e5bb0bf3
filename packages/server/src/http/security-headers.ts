/**
 * Security headers on every answer (UI pages, API JSON, errors), through Hono's secureHeaders.
 *
 * The Content-Security-Policy has no 'unsafe-inline' and no 'unsafe-eval': the built UI is one module
 * script, one stylesheet and a theme script, all files from this origin (test/ui/csp.e2e.test.ts loads
 * every page in Chromium and fails on any violation). Inline `style` attributes that Preact sets
 * through element.style are CSSOM, which CSP does not govern. `data:` images cover the favicon.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export interface SecurityHeadersOptions {
  /**
   * `Strict-Transport-Security: max-age=…` on every answer; 0 sends none. Set only when Witness itself
   * serves HTTPS (browsers ignore HSTS received over plain HTTP, RFC 6797 §8.1).
   */
  hstsMaxAgeSeconds: number;
}

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  // clickjacking: no page may frame Witness (X-Frame-Options: DENY says the same to old browsers)
  frameAncestors: ["'none'"],
};

export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    // trace ids, user ids and searches live in UI URLs: send none of it to other sites
    referrerPolicy: 'no-referrer',
    crossOriginOpenerPolicy: 'same-origin',
    crossOriginResourcePolicy: 'same-origin',
    strictTransportSecurity: options.hstsMaxAgeSeconds > 0 ? `max-age=${options.hstsMaxAgeSeconds}` : false,
  });
}
