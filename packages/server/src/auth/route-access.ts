/**
 * The access level of a request, looked up in the protocol's route table (API_ROUTES): method plus a
 * path matched against the OpenAPI templates (`/api/traces/{traceId}`). The same table generates the
 * OpenAPI document and the authorization matrix test, so a route cannot exist without a rule.
 */
import { type Access, API_ROUTES } from '@witness/protocol';

/** Prefixes the server owns (mirrors http/static-ui.ts): anything else is a static UI file. */
const SERVER_PREFIXES = ['/api', '/v1', '/metrics', '/healthz', '/readyz'];

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  access: Access;
}

function compile(path: string): RegExp {
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

export interface RouteAccessTable {
  /**
   * The access a request needs: a table route's level; `public` for static UI files (the bundle holds
   * no data, and the sign-in page must load); null for a server path no route matches (it falls
   * through to the 404 answer, which leaks nothing).
   */
  accessOf(method: string, path: string): Access | null;
}

export function routeAccessTable(routes = API_ROUTES): RouteAccessTable {
  const exact = new Map<string, Access>();
  const templated: CompiledRoute[] = [];
  for (const r of routes) {
    const method = r.method.toUpperCase();
    if (r.path.includes('{')) templated.push({ method, pattern: compile(r.path), access: r.access });
    else exact.set(`${method} ${r.path}`, r.access);
  }
  return {
    accessOf(rawMethod, path) {
      // HEAD is answered by the GET handler, so it needs what GET needs
      const method = rawMethod === 'HEAD' ? 'GET' : rawMethod;
      const hit = exact.get(`${method} ${path}`) ?? exact.get(`${method} ${path.replace(/\/$/, '')}`);
      if (hit) return hit;
      for (const r of templated) if (r.method === method && r.pattern.test(path)) return r.access;
      if (SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return null;
      return 'public';
    },
  };
}
