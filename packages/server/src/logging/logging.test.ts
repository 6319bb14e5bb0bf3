import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createLogger, requestLogger, withTrace } from './index.js';
import { parseTraceparent } from './trace-context.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, destination };
}

describe('logging', () => {
  it('writes one JSON object per line with level label, time, and trace ids from withTrace', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    withTrace(
      log,
      { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) },
      { actor: 'alice', workflow: 'deploy' },
    ).info({ outcome: 'ok' }, 'done');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'witness',
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
      actor: 'alice',
      workflow: 'deploy',
      outcome: 'ok',
      msg: 'done',
    });
    expect(Number.isNaN(Date.parse(String(lines[0].time)))).toBe(false);
  });

  it('parses W3C traceparent and refuses malformed or all-zero ids', () => {
    expect(parseTraceparent(`00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`)).toEqual({
      traceId: '1'.repeat(32),
      spanId: '2'.repeat(16),
    });
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${'2'.repeat(16)}-01`)).toBeNull();
    expect(parseTraceparent('garbage')).toBeNull();
    expect(parseTraceparent(undefined)).toBeNull();
  });

  it('logs refused and failed requests with the caller trace id', async () => {
    const { lines, destination } = capture();
    const app = new Hono();
    app.use(requestLogger(createLogger({ destination })));
    app.get('/bad', (c) => c.text('no', 400));
    app.get('/boom', (c) => c.text('x', 500));
    app.get('/ok', (c) => c.text('ok'));
    const tp = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    await app.request('/bad', { headers: { traceparent: tp } });
    const boom = await app.request('/boom');
    await app.request('/ok'); // debug: below the default level
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      trace_id: 'c'.repeat(32),
      method: 'GET',
      path: '/bad',
      status: 400,
    });
    expect(lines[1]).toMatchObject({ level: 'error', path: '/boom', status: 500 });
    // a fresh trace id, returned to the caller so it can be quoted
    expect(boom.headers.get('traceparent')).toContain(String(lines[1].trace_id));
  });
});
