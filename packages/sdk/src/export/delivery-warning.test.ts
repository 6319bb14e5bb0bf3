import net from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { OtlpReceiver } from '../../test/otlp-receiver.js';
import { Witness } from '../witness.js';
import { BatchSpanProcessor } from './batch-span-processor.js';
import { tracesUrlOf } from './env.js';
import { OtlpTraceExporter } from './otlp-trace-exporter.js';

/** A port nothing listens on (bound, then released): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

it('warns once, naming the endpoint, while nothing can be delivered; says once when delivery recovers', async () => {
  const port = await closedPort();
  const url = tracesUrlOf(`http://127.0.0.1:${port}`);
  const warnings: string[] = [];
  const processor = new BatchSpanProcessor(new OtlpTraceExporter({ url }), {
    scheduledDelayMillis: 5,
    initialBackoffMillis: 10,
    maxBackoffMillis: 20,
    maxRetries: 1_000_000,
    deliveryWarningMillis: 100, // the default is 30 s; short here so the test is quick
    onWarning: (m) => warnings.push(m),
  });
  const w = new Witness({ serviceName: 'unreachable', spanProcessors: [processor] });
  cleanup.push(() => w.shutdown());
  const stalled = () => warnings.filter((m) => m.startsWith('Witness: nothing delivered'));
  const recovered = () => warnings.filter((m) => m.startsWith('Witness: delivery to'));

  w.tool('before', () => 1);
  await vi.waitFor(() => expect(stalled()).toHaveLength(1), { timeout: 10_000, interval: 20 });
  expect(stalled()[0]).toContain(url);
  expect(stalled()[0]).toMatch(/ECONNREFUSED/);
  expect(stalled()[0]).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');

  // the outage goes on: many more failed attempts, still a single warning
  const retries = processor.stats.retries;
  w.tool('during', () => 2);
  await vi.waitFor(() => expect(processor.stats.retries).toBeGreaterThan(retries + 10), {
    timeout: 10_000,
    interval: 20,
  });
  expect(stalled()).toHaveLength(1);
  expect(recovered()).toHaveLength(0);

  // the receiver comes up on that port: the queued spans arrive and recovery is reported once
  const receiver = await new OtlpReceiver().start(port);
  cleanup.push(() => receiver.stop());
  await vi.waitFor(() => expect(recovered()).toHaveLength(1), { timeout: 10_000, interval: 20 });
  expect(recovered()[0]).toContain(url);
  await w.flush();
  expect(receiver.spans.map((s) => s.name).sort()).toEqual(['execute_tool before', 'execute_tool during']);
  w.tool('after', () => 3);
  await w.flush();
  expect(stalled()).toHaveLength(1);
  expect(recovered()).toHaveLength(1);
});

it('says nothing while deliveries succeed, and nothing at all when turned off', async () => {
  const receiver = await new OtlpReceiver().start();
  cleanup.push(() => receiver.stop());
  const warnings: string[] = [];
  const ok = new BatchSpanProcessor(new OtlpTraceExporter({ url: receiver.url }), {
    deliveryWarningMillis: 1,
    onWarning: (m) => warnings.push(m),
  });
  const port = await closedPort();
  const off = new BatchSpanProcessor(new OtlpTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }), {
    deliveryWarningMillis: 0,
    initialBackoffMillis: 5,
    maxBackoffMillis: 5,
    maxRetries: 20,
    onWarning: (m) => warnings.push(m),
  });
  const w = new Witness({ spanProcessors: [ok, off] });
  cleanup.push(() => w.shutdown());
  for (let i = 0; i < 5; i++) {
    w.tool(`t${i}`, () => i);
    await w.flush();
  }
  expect(receiver.spans).toHaveLength(5);
  expect(warnings.filter((m) => /nothing delivered|recovered/.test(m))).toEqual([]);
});
