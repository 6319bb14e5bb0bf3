/**
 * `GET /api/slos`, `GET /api/slos/{name}`, `GET /api/alerts`, `GET/POST /api/silences`,
 * `DELETE /api/silences/{id}`: every answer is the calling project's only (projectOf).
 */
import { sloPathParams, silencePathParams } from '@witness/protocol';
import { Hono } from 'hono';
import { projectOf } from '../auth/index.js';
import { readJsonBody, WitnessError } from '../http/index.js';
import { type AlertEngine, AlertEngineError } from './alert-engine.js';

/** Silence bodies are a few matchers and a comment. */
const MAX_BODY = 64 * 1024;

function rethrow(err: unknown): never {
  if (err instanceof AlertEngineError) throw new WitnessError(err.code, err.message);
  throw err;
}

function param<T>(
  schema: { safeParse: (v: unknown) => { success: boolean; data?: T } },
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new WitnessError('BAD_REQUEST', `${what} is malformed`);
  return parsed.data as T;
}

export function alertingRoutes(engine: () => AlertEngine | null): Hono {
  const app = new Hono();
  const get = () => {
    const e = engine();
    if (!e)
      throw new WitnessError('SERVICE_UNAVAILABLE', 'alerting is starting; retry shortly', {
        retryAfterSeconds: 1,
      });
    return e;
  };
  app.get('/slos', (c) => c.json({ slos: get().listSlos(projectOf(c)) }));
  app.get('/slos/:name', (c) => {
    const { name } = param(sloPathParams, { name: c.req.param('name') }, 'the SLO name');
    const status = get().slo(projectOf(c), name);
    if (!status)
      throw new WitnessError(
        'NOT_FOUND',
        `no SLO "${name}" in project ${projectOf(c)}; GET /api/slos lists them`,
      );
    return c.json(status);
  });
  app.get('/alerts', (c) => c.json({ alerts: get().listAlerts(projectOf(c)) }));
  app.get('/silences', (c) => c.json({ silences: get().listSilences(projectOf(c)) }));
  app.post('/silences', async (c) => {
    const body = await readJsonBody(c, { maxBytes: MAX_BODY, what: 'silence' });
    const principal = c.get('principal');
    const id = await get()
      .putSilence(body, projectOf(c), principal?.subject ?? 'anonymous')
      .catch(rethrow);
    return c.json({ silenceID: id });
  });
  app.delete('/silences/:id', async (c) => {
    const { id } = param(silencePathParams, { id: c.req.param('id') }, 'the silence id');
    await get()
      .expireSilence(id, projectOf(c), c.get('principal')?.subject ?? 'anonymous')
      .catch(rethrow);
    return c.json({ silenceID: id });
  });
  return app;
}
