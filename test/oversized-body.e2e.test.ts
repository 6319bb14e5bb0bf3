/**
 * Finding 4 of issue 9: a 413 for an oversized body was often lost. The server closed while the client
 * was still sending; the client got a connection reset (EPIPE/ECONNRESET) instead of the 413, and OTLP
 * exporters retry those, so the same oversized batch came back. The server now answers, half-closes
 * and drains the rest of the body (bounded) before closing: the answer is read every time.
 */
import { connect } from 'node:net';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWitness, type WitnessProcess } from './helpers/witness-process.js';

const MiB = 1024 * 1024;
/** ExportResultCode.FAILED of @opentelemetry/core (what the exporter's callback gets). */
const EXPORT_FAILED = 1;
type ExportResult = { code: number; error?: Error };
const LIMIT = 1 * MiB;
let w: WitnessProcess;

beforeAll(async () => {
  w = await startWitness({ env: { WITNESS_LIMITS_MAX_REQUEST_BYTES: String(LIMIT) } });
});
afterAll(async () => {
  await w?.stop();
});

interface RawResult {
  /** Everything the server sent before closing. */
  received: string;
  /** The socket error the client met, if any (EPIPE, ECONNRESET…). */
  error: string | null;
}

/**
 * A raw HTTP/1.1 client that writes the whole `bodyBytes` body whatever the server says meanwhile
 * (as an exporter piping its batch does), with Content-Length or chunked, and collects the answer.
 */
function rawOversizedPost(bodyBytes: number, withLength: boolean): Promise<RawResult> {
  return new Promise((resolve) => {
    const url = new URL(w.url);
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let error: string | null = null;
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
    });
    socket.on('close', () => resolve({ received: Buffer.concat(received).toString('latin1'), error }));
    const head = [
      'POST /v1/traces HTTP/1.1',
      `Host: ${url.host}`,
      'Content-Type: application/x-protobuf',
      withLength ? `Content-Length: ${bodyBytes}` : 'Transfer-Encoding: chunked',
      '',
      '',
    ].join('\r\n');
    const chunk = Buffer.alloc(64 * 1024, 0x0a);
    let sent = 0;
    socket.write(head);
    const pump = () => {
      while (sent < bodyBytes && !socket.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += part.length;
        const framed = withLength
          ? part
          : Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
        if (!socket.write(framed)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) socket.end(withLength ? undefined : '0\r\n\r\n');
    };
    socket.once('connect', pump);
  });
}

/**
 * Refusals counted on /metrics by a render made after `since` (ms epoch): /metrics is rendered at most
 * once a second (single-flight cache), so wait out one cache period before reading.
 */
async function tooLargeRefusalsAfter(since: number): Promise<number> {
  const wait = since + 1100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return tooLargeRefusals();
}

async function tooLargeRefusals(): Promise<number> {
  const text = await (await fetch(`${w.url}/metrics`)).text();
  const m = /^witness_ingest_rejected_total\{signal="traces",reason="too_large"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('an oversized body is answered 413, and the client reads it', () => {
  it.each([
    ['with Content-Length (refused before a byte is read)', true],
    ['chunked (refused once the limit is crossed)', false],
  ])('a raw client that keeps writing reads the 413 every time, %s', async (_name, withLength) => {
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await rawOversizedPost(4 * LIMIT, withLength);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(r.received)?.[1] ?? `no answer (${r.error})`;
      outcomes.push(status);
      if (i === 0) {
        expect(r.received).toMatch(/\r\nconnection: close\r\n/i);
        expect(r.received).toMatch(/larger than the limit of 1048576 bytes/);
      }
    }
    expect(outcomes.filter((s) => s !== '413')).toEqual([]);
    // still serving
    expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
  });

  it('an official OTLP exporter gets a non-retryable 413 and does not resend the batch', async () => {
    // A batch of spans whose encoding is over the limit (each ~40 KiB of attributes).
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'oversized-e2e' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('e2e');
    for (let i = 0; i < 200; i++) {
      tracer.startSpan(`big-${i}`, { attributes: { pad: 'x'.repeat(40 * 1024) } }, ROOT_CONTEXT).end();
    }
    const spans: ReadableSpan[] = memory.getFinishedSpans();
    expect(spans).toHaveLength(200);

    for (let round = 0; round < 5; round++) {
      const before = await tooLargeRefusalsAfter(Date.now());
      const exporter = new OTLPTraceExporter({ url: `${w.url}/v1/traces`, timeoutMillis: 15_000 });
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      await exporter.shutdown();
      expect(result.code).toBe(EXPORT_FAILED);
      // the exporter read the answer: its error carries the HTTP status, not a socket error code
      expect((result.error as { code?: unknown } | undefined)?.code).toBe(413);
      // …and sent the batch once: no retry loop
      expect((await tooLargeRefusalsAfter(Date.now())) - before).toBe(1);
    }
    await provider.shutdown();
  });
});
