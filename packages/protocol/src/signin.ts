/**
 * Sign-in for people (OIDC authorization code flow with PKCE) and "who am I": the shapes the UI reads
 * to decide whether to show the sign-in page, the user menu, and admin controls.
 */
import { z } from 'zod';
import { ACCESS_LEVELS } from './access.js';

/** What a signed-in person may do: viewer reads; editor reads and edits; admin does everything. */
export const USER_ROLES = ['viewer', 'editor', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const loginParams = z.object({
  returnTo: z
    .string()
    .max(2048)
    .optional()
    .meta({ description: 'a path on this server to land on after signing in (default /)' }),
});

export const callbackParams = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
  iss: z.string().max(2048).optional(),
});

export const meSchema = z
  .object({
    /** Does this server check credentials at all (auth.enabled)? */
    authEnabled: z.boolean(),
    /** Is sign-in with OIDC configured (then /api/auth/login starts it)? */
    oidc: z.boolean(),
    /** Who is calling, or null when nobody is signed in. */
    principal: z
      .object({
        kind: z.enum(['anonymous', 'key', 'user', 'scrape']),
        subject: z.string(),
        name: z.string().nullable(),
        email: z.string().nullable(),
        role: z.enum(USER_ROLES).nullable(),
        /** The project this request acts in. */
        project: z.string(),
        /** Projects this principal may act in; '*' for all. */
        projects: z.union([z.array(z.string()), z.literal('*')]),
        /** Access levels held (hide controls whose level is missing). */
        access: z.array(z.enum(ACCESS_LEVELS)),
      })
      .nullable(),
  })
  .meta({ id: 'Me' });
export type MeJson = z.infer<typeof meSchema>;

export const logoutSchema = z
  .object({
    /** Where the browser should go next: the provider's end-session page, or `/`. */
    redirect: z.string(),
  })
  .meta({ id: 'Logout' });
export type LogoutJson = z.infer<typeof logoutSchema>;

/** Where the sign-in steps live (the UI links to LOGIN_PATH; the provider redirects to CALLBACK_PATH). */
export const LOGIN_PATH = '/api/auth/login';
export const CALLBACK_PATH = '/api/auth/callback';
export const LOGOUT_PATH = '/api/auth/logout';
export const ME_PATH = '/api/auth/me';
