/**
 * The hub in thread mode (shipping-thread.ts), as the server runs it: what only the thread adds —
 * /metrics series relayed from the worker, its log lines through this thread's logger, the status it
 * reports, a start that fails when the worker cannot open a queue, a clean stop. Delivery under faults
 * in thread mode: test/exporters-fault-matrix.e2e.test.ts and every e2e test of a real server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../../test/helpers/until.js';
import { exporterSchema } from '../config/exporters-schema.js';
import { createLogger } from '../logging/index.js';
import { emptyAgentFields, type SpanRecord } from '../model/index.js';
import { decodeTracesProto } from '../otlp/index.js';
import { ExporterHub } from './hub.js';

const span = (n: number): SpanRecord => ({
  ...emptyAgentFields(),
  traceId: 'ab'.repeat(16),
  spanId: n.toString(16).padStart(16, '0'),
  parentSpanId: null,
  name: `op-${n}`,
  serviceName: 'svc',
  spanKind: 1,
  startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(n),
  endTimeUnixNano: 1_700_000_000_000_001_000n + BigInt(n),
  statusCode: 'ok',
  statusMessage: '',
  attributes: { n },
  resource: { 'service.name': 'svc' },
  scopeName: '',
  scopeVersion: '',
  events: [],
  links: [],
});

describe('ExporterHub in thread mode', () => {
  let server: Server;
  let url: string;
  const received: string[] = [];
  /** Answers 400 to requests holding this span name (a permanent refusal). */
  const refuse = 'op-refused';
  const dirs: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const spans = decodeTracesProto(Buffer.concat(parts)).spans;
        if (spans.some((s) => s.name === refuse)) {
          res.writeHead(400).end('no');
          return;
        }
        for (const s of spans) received.push(s.name);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const hubFor = (dataDir: string, lines: string[], registry = new Registry(), threadInboxBytes?: number) =>
    new ExporterHub({
      thread: true,
      threadInboxBytes,
      exporters: [
        exporterSchema.parse({
          name: 'fwd',
          type: 'otlp',
          endpoint: url,
          batch: { maxItems: 100, timeoutMs: 20 },
          retry: { initialBackoffMs: 50, maxBackoffMs: 200 },
        }),
      ],
      dataDir,
      registry,
      logger: createLogger({
        level: 'info',
        destination: new Writable({
          write(chunk, _enc, cb) {
            lines.push(String(chunk));
            cb();
          },
        }),
      }),
    });

  it('ships from the worker; status, /metrics and the log come back to this thread; stops cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-ship-thread-'));
    dirs.push(dataDir);
    const lines: string[] = [];
    const registry = new Registry();
    const hub = hubFor(dataDir, lines, registry);
    await hub.start();
    const spans = Array.from({ length: 250 }, (_, i) => span(i + 1));
    hub.sink.consume({ project: 'p', spans, logs: [] });
    await until('250 spans received', () => received.length >= 250, 10_000);
    expect(new Set(received).size).toBe(250);

    // a refused batch: dead-lettered in the worker, its warning logged here, its count relayed
    hub.sink.consume({ project: 'p', spans: [{ ...span(999), name: refuse }], logs: [] });
    await until('the refusal reported', () => hub.status()[0]?.deadLettered === 1, 10_000);
    const status = hub.status()[0];
    expect(status).toMatchObject({ name: 'fwd', type: 'otlp', sent: 250, deadLettered: 1 });
    expect(status?.lastError?.status).toBe(400);
    await until('the queue reported empty', () => hub.status()[0]?.queue.records === 0, 5_000);

    const text = await registry.metrics();
    expect(text).toContain(
      'witness_exporter_sent_records_total{exporter="fwd",type="otlp",signal="spans"} 250',
    );
    expect(text).toContain('witness_exporter_dead_lettered_records_total{exporter="fwd",type="otlp"} 1');
    expect(text).toMatch(
      /witness_exporter_request_duration_seconds_count\{exporter="fwd",type="otlp",outcome="success"\} [1-9]/,
    );
    expect(text).toContain('witness_exporter_queue_records{exporter="fwd",type="otlp"} 0');
    const warning = lines.map((l) => JSON.parse(l)).find((l) => /dead-letter/.test(l.msg));
    expect(warning).toMatchObject({ level: 'warn', exporter: 'fwd', items: 1 });

    await hub.close();
    expect(hub.status()[0]?.state).toBe('stopped');
  });

  it('what was queued and not sent before a stop is sent after the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-ship-thread-'));
    dirs.push(dataDir);
    const before = received.length;
    const first = hubFor(dataDir, []);
    // never started: the frames reach the worker's queue on disk, no loop ships them
    first.sink.consume({ project: 'p', spans: [span(5001), span(5002)], logs: [] });
    await new Promise((r) => setImmediate(r));
    await first.close();
    expect(received.length).toBe(before);
    const second = hubFor(dataDir, []);
    await second.start();
    await until('the queued spans sent', () => received.length >= before + 2, 10_000);
    expect(received.slice(before).sort()).toEqual(['op-5001', 'op-5002']);
    await second.close();
  });

  it("the worker's inbox is bounded: a flush past it is dropped and counted, never queued in memory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-ship-thread-'));
    dirs.push(dataDir);
    const before = received.length;
    const hub = hubFor(dataDir, [], new Registry(), 1000);
    await hub.start();
    // ~40 bytes of protobuf a span: one small flush fits, a big one does not
    hub.sink.consume({ project: 'p', spans: [span(7001)], logs: [] });
    await until('the small flush sent', () => received.length >= before + 1, 10_000);
    hub.sink.consume({
      project: 'p',
      spans: Array.from({ length: 100 }, (_, i) => span(8000 + i)),
      logs: [],
    });
    await until('the big flush counted as dropped', () => hub.status()[0]?.dropped === 100, 5_000);
    await hub.close();
    expect(received.slice(before)).toEqual(['op-7001']);
  });

  it('start rejects, naming the reason, when the worker cannot open a queue', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'witness-ship-thread-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'exporters'), 'a file where the queues directory should be');
    const hub = hubFor(dataDir, []);
    await expect(hub.start()).rejects.toThrow(/exporters/);
    await hub.close();
  });
});
