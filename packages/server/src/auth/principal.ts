/**
 * Who is calling, as the auth middleware resolved it, and the project the request acts in. Routes
 * read the project with `projectOf(c)` and hand it to the store: no route picks a project itself.
 *
 * Until the auth middleware runs (auth off), `resolveProjectUnauthenticated` sets an anonymous
 * principal acting in the project the request names (header `x-witness-project` or `?project=`),
 * else `default`.
 */
import {
  type Access,
  DEFAULT_PROJECT,
  PROJECT_HEADER,
  PROJECT_PARAM,
  projectIdSchema,
  type UserRole,
} from '@witness/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import { WitnessError } from '../http/errors.js';

export type PrincipalKind = 'anonymous' | 'key' | 'user' | 'scrape';

export interface Principal {
  kind: PrincipalKind;
  /** Key id, OIDC subject, or "anonymous". */
  subject: string;
  /** The project this request acts in (data is written to and read from it only). */
  project: string;
  /** Projects this principal may act in; '*' when auth is off. */
  projects: readonly string[] | '*';
  /** The access levels this principal holds (see @witness/protocol access.ts). */
  grants: ReadonlySet<Access>;
  /** A signed-in person (kind 'user'): what the UI's user menu shows. */
  user?: { name: string | null; email: string | null; role: UserRole | null };
}

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

const ALL_GRANTS: ReadonlySet<Access> = new Set([
  'public',
  'signin',
  'ingest',
  'read',
  'edit',
  'admin',
  'metrics',
]);

/** The project a request names (header first, then query parameter), or null; 400 when malformed. */
export function requestedProject(c: Context): string | null {
  const named = c.req.header(PROJECT_HEADER) ?? c.req.query(PROJECT_PARAM);
  if (named === undefined || named === '') return null;
  const parsed = projectIdSchema.safeParse(named);
  if (!parsed.success)
    throw new WitnessError(
      'BAD_REQUEST',
      `${PROJECT_HEADER} / ?${PROJECT_PARAM}: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

/** Auth off: everyone may do everything, in the project they name. */
export function resolveProjectUnauthenticated(): MiddlewareHandler {
  return async (c, next) => {
    c.set('principal', {
      kind: 'anonymous',
      subject: 'anonymous',
      project: requestedProject(c) ?? DEFAULT_PROJECT,
      projects: '*',
      grants: ALL_GRANTS,
    });
    await next();
  };
}

/** The project the request acts in; `default` for requests no middleware resolved (tests, internal). */
export function projectOf(c: Context): string {
  return c.get('principal')?.project ?? DEFAULT_PROJECT;
}
