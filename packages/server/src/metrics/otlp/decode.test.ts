import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../../../test/helpers/otlp-proto.js';
import { decodeMetricsJson } from './decode-json.js';
import { decodeMetricsProto } from './decode-proto.js';
import type { MetricPoint } from './metric-point.js';
import { ProtoError } from './proto-reader.js';

class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Real OpenTelemetry SDK instruments, serialized by the official OTLP serializers. */
async function sdkPayloads() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'billing' }),
    readers: [reader],
    views: [{ instrumentName: 'queue.wait', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('test-meter', '1.0.0');
  meter.createCounter('requests', { unit: '{request}' }).add(5, { route: '/pay' });
  meter.createUpDownCounter('inflight').add(-2);
  meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'a' });
  const h = meter.createHistogram('latency', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.1, 1, 10] },
  });
  for (const v of [0.05, 0.5, 0.7, 5, 50]) h.record(v, { route: '/pay' });
  const e = meter.createHistogram('queue.wait');
  for (const v of [1, 2, 4, 8]) e.record(v);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return {
    proto: ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array,
    json: new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array),
  };
}

function byName(points: MetricPoint[], name: string): MetricPoint {
  const p = points.find((x) => x.metric === name);
  if (!p) throw new Error(`no point for ${name}`);
  return p;
}

describe('OTLP metrics decoding', async () => {
  const { proto, json } = await sdkPayloads();

  for (const [format, decode] of [
    ['protobuf', () => decodeMetricsProto(proto)],
    ['json', () => decodeMetricsJson(json)],
  ] as const) {
    it(`decodes sums, gauges, histograms and exponential histograms from the official ${format} serializer`, () => {
      const points = decode();
      const requests = byName(points, 'requests');
      expect(requests).toMatchObject({
        type: 'sum',
        value: 5,
        monotonic: true,
        temporality: 'cumulative',
        unit: '{request}',
        serviceName: 'billing',
        scopeName: 'test-meter',
        attributes: { route: '/pay' },
      });
      expect(requests.timeUnixNano).toBeGreaterThan(0n);
      expect(byName(points, 'inflight')).toMatchObject({ type: 'sum', value: -2, monotonic: false });
      expect(byName(points, 'temperature')).toMatchObject({
        type: 'gauge',
        value: 21.5,
        attributes: { room: 'a' },
      });
      expect(byName(points, 'latency')).toMatchObject({
        type: 'histogram',
        count: 5,
        sum: 56.25,
        min: 0.05,
        max: 50,
        bounds: [0.1, 1, 10],
        bucketCounts: [1, 2, 1, 1],
      });
      const e = byName(points, 'queue.wait');
      expect(e.type).toBe('exponential_histogram');
      expect(e.count).toBe(4);
      expect(e.sum).toBe(15);
      expect(e.exponential?.positive.counts.reduce((a, b) => a + b, 0)).toBe(4);
    });
  }

  it('decodes summaries (which the JS SDK cannot produce) in both formats', () => {
    const w = new ProtoWriter();
    w.message(1, (rm) => {
      rm.message(2, (sm) => {
        sm.message(2, (m) => {
          m.string(1, 'rpc.duration');
          m.message(11, (s) => {
            s.message(1, (dp) => {
              dp.fixed64(3, 1_700_000_000_000_000_000n);
              dp.fixed64(4, 10n);
              dp.double(5, 12.5);
              dp.message(6, (q) => q.double(1, 0.99).double(2, 3.25));
            });
          });
        });
      });
    });
    const [p] = decodeMetricsProto(w.finish());
    expect(p).toMatchObject({
      type: 'summary',
      count: 10,
      sum: 12.5,
      quantiles: [[0.99, 3.25]],
      serviceName: 'unknown_service',
    });
    const [j] = decodeMetricsJson(
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'rpc.duration',
                    summary: {
                      dataPoints: [
                        {
                          timeUnixNano: '1700000000000000000',
                          count: '10',
                          sum: 12.5,
                          quantileValues: [{ quantile: 0.99, value: 3.25 }],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(j).toMatchObject({
      type: 'summary',
      count: 10,
      sum: 12.5,
      quantiles: [[0.99, 3.25]],
      timeUnixNano: 1_700_000_000_000_000_000n,
    });
  });

  it('refuses truncated protobuf and malformed JSON with an error naming the problem', () => {
    expect(() => decodeMetricsProto(proto.subarray(0, proto.length - 3))).toThrow(ProtoError);
    expect(() => decodeMetricsJson('{"resourceMetrics": 3}')).toThrow(/resourceMetrics must be an array/);
    expect(() => decodeMetricsJson('not json')).toThrow(/not JSON/);
    expect(() =>
      decodeMetricsJson(
        '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"asDouble":"abc"}]}}]}]}]}',
      ),
    ).toThrow(/asDouble must be a number/);
  });
});
