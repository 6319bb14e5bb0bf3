import type { z } from 'zod';
import { WitnessError } from '../http/errors.js';

/**
 * Validates query parameters with a zod schema; the 400 names the parameter and says what it expects.
 * Keys with `prefix` (e.g. `attr.`) are returned apart, since their names are open.
 */
export function parseQuery<S extends z.ZodType>(
  schema: S,
  raw: Record<string, string>,
  prefix?: string,
): { params: z.output<S>; prefixed: Record<string, string> } {
  const fixed: Record<string, string> = {};
  const prefixed: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
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
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      throw new WitnessError(
        'BAD_REQUEST',
        `unknown query parameter "${issue.keys[0]}"; see /api/openapi.json for the parameters this endpoint takes`,
      );
    }
    const name = issue.path.map(String).join('.');
    throw new WitnessError('BAD_REQUEST', `query parameter "${name}": ${issue.message}`);
  }
  return { params: result.data, prefixed };
}
