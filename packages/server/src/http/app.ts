import { Hono } from 'hono';
import { errorBody, errorHeaders, toWitnessError, WitnessError } from './errors.js';

export interface AppOptions {
  /** Told about errors that became 5xx (the client only sees a generic message). */
  onError?: (err: unknown) => void;
}

/** The Hono app with the one error shape: every non-2xx body is `{ "error": { "code", "message" } }`. */
export function createApp(options: AppOptions = {}): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    const e = toWitnessError(err);
    if (e.status >= 500 && e.code !== 'SERVICE_UNAVAILABLE') options.onError?.(err);
    return c.json(errorBody(e), e.status, errorHeaders(e));
  });
  app.notFound((c) => {
    const e = new WitnessError(
      'NOT_FOUND',
      `no route ${c.req.method} ${c.req.path}; the API is described at /api/openapi.json`,
    );
    return c.json(errorBody(e), e.status);
  });
  return app;
}
