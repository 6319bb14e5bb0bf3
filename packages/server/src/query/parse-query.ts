import { PROJECT_PARAM } from '@witness/protocol';
import type { z } from 'zod';
import { WitnessError } from '../http/errors.js';

/** The first zod issue as the caller's 400: `<where> "<name>": <what it expects>`. */
function badRequest(error: z.ZodError, where: string): never {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    throw new WitnessError(
      'BAD_REQUEST',
      `unknown ${where} "${issue.keys[0]}"; see /api/openapi.json for the parameters this endpoint takes`,
    );
  }
  const name = issue?.path.map(String).join('.') ?? '';
  throw new WitnessError('BAD_REQUEST', `${where} "${name}": ${issue?.message ?? 'invalid'}`);
}

/**
 * Validates query parameters with a zod schema from @witness/protocol; the 400 names the parameter and
 * says what it expects. Keys with `prefix` (e.g. `attr.`) are returned apart, since their names are open.
 */
export function parseQuery<S extends z.ZodType>(
  schema: S,
  raw: Record<string, string>,
  prefix?: string,
): { params: z.output<S>; prefixed: Record<string, string> } {
  const fixed: Record<string, string> = {};
  const prefixed: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // `?project=` names the request's project on every route: the principal middleware read it
    // (and rejected a malformed one), so it is no parameter of the route itself.
    if (key === PROJECT_PARAM) continue;
    if (prefix && key.startsWith(prefix)) {
      const name = key.slice(prefix.length);
      if (name === '')
        throw new WitnessError('BAD_REQUEST', `query parameter "${key}" needs a key: ${prefix}<key>=<value>`);
      prefixed[name] = value;
    } else {
      fixed[key] = value;
    }
  }
  const result = schema.safeParse(fixed);
  if (!result.success) badRequest(result.error, 'query parameter');
  return { params: result.data, prefixed };
}

/** Validates path parameters (`/api/traces/:traceId`) the same way. */
export function parsePathParams<S extends z.ZodType>(schema: S, raw: Record<string, string>): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) badRequest(result.error, 'path parameter');
  return result.data;
}

/** Validates a JSON request body; the 400 names the field (`body field "actor": …`). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) badRequest(result.error, 'body field');
  return result.data;
}
