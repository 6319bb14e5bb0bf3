import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../../../test/helpers/otlp-proto.js';
import { OtlpDecodeError } from '../../otlp/index.js';
import { decodeMetricsJson } from './decode-json.js';
import { decodeMetricsProto } from './decode-proto.js';
import type { MetricPoint } from './metric-point.js';
import { otlpMetricsSignal } from './otlp-metrics-signal.js';

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

  it('refuses truncated protobuf and malformed JSON with an OtlpDecodeError naming the problem', () => {
    expect(() => decodeMetricsProto(proto.subarray(0, proto.length - 3))).toThrow(OtlpDecodeError);
    expect(() => decodeMetricsJson('{"resourceMetrics": 3}')).toThrow(
      /resourceMetrics: expected an array, got number/,
    );
    expect(() => decodeMetricsJson('not json')).toThrow(/not valid JSON/);
    expect(() =>
      decodeMetricsJson(
        '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"asDouble":"abc"}]}}]}]}]}',
      ),
    ).toThrow(
      /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.asDouble: expected a number/,
    );
  });
});

/** A gauge point whose one attribute is `value` (an AnyValue writer). */
function protoWithAttribute(writeValue: (av: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  w.message(1, (rm) =>
    rm.message(2, (sm) =>
      sm.message(2, (m) => {
        m.string(1, 'g');
        m.message(5, (g) =>
          g.message(1, (dp) => {
            dp.fixed64(3, 1_700_000_000_000_000_000n);
            dp.double(4, 1);
            dp.message(7, (kv) => kv.string(1, 'a').message(2, writeValue));
          }),
        );
      }),
    ),
  );
  return w.finish();
}

function jsonWithAttribute(value: unknown): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'g',
                gauge: {
                  dataPoints: [
                    { timeUnixNano: '1700000000000000000', asDouble: 1, attributes: [{ key: 'a', value }] },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('OTLP metrics decoding shares the traces decoder limits (hostile input)', () => {
  it('a 20,000-deep attribute is an OtlpDecodeError (a 400), not a stack overflow (a 500), in both formats', () => {
    const DEPTH = 20_000;
    // protobuf: arrayValue { values: arrayValue { … } } 20,000 deep, built inside out
    let inner: Uint8Array = new ProtoWriter().string(1, 'leaf').finish();
    for (let i = 0; i < DEPTH; i++) {
      const child = inner;
      inner = new ProtoWriter().message(5, (arr) => arr.bytes(1, child)).finish();
    }
    const deep = inner;
    const proto = protoWithAttribute((av) => {
      const bytes = deep;
      // splice the prebuilt AnyValue body in as this AnyValue's fields
      av.bytes(5, new ProtoWriter().bytes(1, bytes).finish());
    });
    expect(() => decodeMetricsProto(proto)).toThrow(OtlpDecodeError);
    expect(() => decodeMetricsProto(proto)).toThrow(/resourceMetrics\[0\].*nested deeper than 32/);
    let json = '{"stringValue":"leaf"}';
    for (let i = 0; i < DEPTH; i++) json = `{"arrayValue":{"values":[${json}]}}`;
    const text = jsonWithAttribute(0).replace('0}]}', `${json}}]}`);
    expect(() => decodeMetricsJson(text)).toThrow(OtlpDecodeError);
    expect(() => decodeMetricsJson(text)).toThrow(/nested deeper than 32/);
  });

  it('keeps 64-bit integer attributes exact (decimal text past 2^53), as the traces decoder does', () => {
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a double would round it to …992
    const [p] = decodeMetricsProto(protoWithAttribute((av) => av.tag(3, 0).varint(big)));
    expect(p.attributes.a).toBe('9007199254740993');
    const [neg] = decodeMetricsProto(protoWithAttribute((av) => av.tag(3, 0).varint(-(2n ** 63n))));
    expect(neg.attributes.a).toBe('-9223372036854775808');
    const [small] = decodeMetricsProto(protoWithAttribute((av) => av.tag(3, 0).varint(42)));
    expect(small.attributes.a).toBe(42);
    const [j] = decodeMetricsJson(jsonWithAttribute({ intValue: '9007199254740993' }));
    expect(j.attributes.a).toBe('9007199254740993');
  });

  it('applies the attribute count limit', () => {
    const w = new ProtoWriter();
    w.message(1, (rm) =>
      rm.message(2, (sm) =>
        sm.message(2, (m) => {
          m.string(1, 'g');
          m.message(5, (g) =>
            g.message(1, (dp) => {
              dp.double(4, 1);
              for (let i = 0; i < 2000; i++)
                dp.message(7, (kv) => kv.string(1, `k${i}`).message(2, (av) => av.string(1, 'v')));
            }),
          );
        }),
      ),
    );
    const [p] = decodeMetricsProto(w.finish());
    expect(Object.keys(p.attributes)).toHaveLength(1024);
  });
});

describe('the /v1/metrics signal', () => {
  it('leaves out points past int64 nanoseconds as partial success instead of wrapping them negative', () => {
    const signal = otlpMetricsSignal({ points: () => null });
    const body = (time: string) =>
      Buffer.from(
        JSON.stringify({
          resourceMetrics: [
            {
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'g',
                      gauge: {
                        dataPoints: [
                          { timeUnixNano: time, asDouble: 1 },
                          { timeUnixNano: '1', asDouble: 2 },
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
    const d = signal.decode(body('18446744073709551615'), 'json') as {
      rejected: number;
      message?: string;
      points: unknown[];
    };
    expect(d.rejected).toBe(1);
    expect(d.message).toContain('2262');
    expect(d.points).toHaveLength(1);
    expect(JSON.parse(String(signal.encodeResponse('json', d.rejected, d.message ?? '')))).toEqual({
      partialSuccess: { rejectedDataPoints: '1', errorMessage: 'data point time beyond the year 2262' },
    });
  });

  it('cuts a 1,000,000-character metric name, service and unit to the name limit, as span names are', () => {
    const signal = otlpMetricsSignal({ points: () => null });
    const long = 'm'.repeat(1_000_000);
    const body = JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: long } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: long,
                  unit: long,
                  gauge: {
                    dataPoints: [
                      { timeUnixNano: '1', asDouble: 1 },
                      { timeUnixNano: '2', asDouble: 2 },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const d = signal.decode(Buffer.from(body), 'json') as { points: MetricPoint[] };
    expect(d.points).toHaveLength(2);
    for (const p of d.points) {
      for (const field of [p.metric, p.serviceName, p.unit]) {
        expect(field.length).toBeLessThan(600);
        expect(field).toContain('…[truncated 1000000 bytes]');
      }
    }
  });
});
