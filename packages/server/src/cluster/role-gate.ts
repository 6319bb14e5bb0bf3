import type { MiddlewareHandler } from 'hono';
import { notServedMessage, serves, type Target } from './targets.js';

/**
 * Answers 404, naming the node's role, for paths its target does not serve. Runs before auth, so a
 * client pointed at the wrong kind of node learns that rather than meeting a 401.
 */
export function roleGate(target: Target): MiddlewareHandler {
  return async (c, next) => {
    if (serves(target, c.req.path)) return next();
    return c.json({ error: { code: 'NOT_FOUND', message: notServedMessage(target, c.req.path) } }, 404);
  };
}
