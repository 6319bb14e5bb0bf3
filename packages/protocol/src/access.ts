/**
 * Who may call a route, and which project a request acts in. Every route in API_ROUTES names its
 * `access`; the server's auth middleware enforces it and test/auth-matrix checks every route.
 *
 * - `public`: anyone (only /healthz and /readyz).
 * - `signin`: the sign-in steps (OIDC login, callback, logout, who-am-I): reachable without a
 *   credential, since they are how a person gets one; a credential that is sent is still checked, so
 *   `/api/auth/me` answers who is calling. They never answer project data.
 * - `ingest`: write telemetry (OTLP routes): ingest and admin keys.
 * - `read`: read the project's data: read and admin keys, every signed-in role.
 * - `edit`: change the project's working data (silences, scores, annotations): admin keys, editors, admins.
 * - `admin`: keys, settings, audit actions: admin keys and OIDC admins.
 * - `metrics`: /metrics: a read or admin key, or the configured scrape token.
 */
import { z } from 'zod';

export const ACCESS_LEVELS = ['public', 'signin', 'ingest', 'read', 'edit', 'admin', 'metrics'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** The project every record belongs to when nobody says otherwise. */
export const DEFAULT_PROJECT = 'default';
/** A request names its project with this header or the `project` query parameter. */
export const PROJECT_HEADER = 'x-witness-project';
export const PROJECT_PARAM = 'project';

export const projectIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'a project id is 1–63 of a-z, 0-9, "_" and "-", starting with a letter or digit',
  )
  .meta({ id: 'ProjectId' });

/** `GET /api/projects`: the projects the caller may see, and the one this request acts in. */
export const projectsSchema = z
  .object({
    projects: z.array(z.string()).meta({
      description:
        'auth off: every project holding data, plus default; otherwise the projects the key or person may act in',
    }),
    current: z.string().meta({ description: 'the project this request acted in' }),
  })
  .meta({ id: 'Projects' });
export type ProjectsJson = z.infer<typeof projectsSchema>;
