/**
 * Values the official JS SDK cannot produce (kvlist, nested arrays, bytes, int64 extremes, thousands of
 * attributes), written with a minimal protobuf writer so the proto and JSON decoders see the same request.
 */
import { describe, expect, it } from 'vitest';
import { decodeLogsJson, decodeTracesJson, decodeTracesProto, OtlpDecodeError } from './index.js';
import { truncateString } from './truncate-value.js';

function varint(v: bigint): number[] {
  let n = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}
const len = (field: number, body: number[] | Uint8Array): number[] => [
  ...varint(BigInt((field << 3) | 2)),
  ...varint(BigInt(body.length)),
  ...body,
];
const str = (field: number, s: string) => len(field, Buffer.from(s, 'utf8'));
const vint = (field: number, v: bigint) => [...varint(BigInt(field << 3)), ...varint(v)];

/** AnyValue from a small JS description. */
type V =
  | { s: string }
  | { b: boolean }
  | { i: bigint }
  | { d: number }
  | { a: V[] }
  | { kv: [string, V][] }
  | { x: number[] };
function anyValue(v: V): number[] {
  if ('s' in v) return str(1, v.s);
  if ('b' in v) return vint(2, v.b ? 1n : 0n);
  if ('i' in v) return vint(3, v.i);
  if ('d' in v) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v.d);
    return [(4 << 3) | 1, ...b];
  }
  if ('a' in v)
    return len(
      5,
      v.a.flatMap((e) => len(1, anyValue(e))),
    );
  if ('kv' in v)
    return len(
      6,
      v.kv.flatMap(([k, e]) => len(1, keyValue(k, e))),
    );
  return len(7, v.x);
}
const keyValue = (k: string, v: V) => [...str(1, k), ...len(2, anyValue(v))];

const TRACE = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN = Buffer.from('eee19b7ec3c1b174', 'hex');

function request(attrs: [string, V][], ids: { trace?: Uint8Array; span?: Uint8Array } = {}): Uint8Array {
  const span = [
    ...len(1, ids.trace ?? TRACE),
    ...len(2, ids.span ?? SPAN),
    ...str(5, 'op'),
    (7 << 3) | 1,
    ...Buffer.from(new BigUint64Array([1_700_000_000_000_000_000n]).buffer),
    (8 << 3) | 1,
    ...Buffer.from(new BigUint64Array([1_700_000_000_000_001_000n]).buffer),
    ...attrs.flatMap(([k, v]) => len(9, keyValue(k, v))),
  ];
  return Uint8Array.from(len(1, len(2, len(2, span))));
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

describe('attribute values', () => {
  it('reads int64 extremes, nested arrays/kvlists and bytes the same from protobuf and JSON', () => {
    const attrs: [string, V][] = [
      ['max', { i: INT64_MAX }],
      ['min', { i: INT64_MIN }],
      ['minus.one', { i: -1n }],
      ['safe', { i: 2n ** 53n - 1n }],
      ['unsafe', { i: 2n ** 53n + 1n }],
      ['zero', { i: 0n }],
      ['pi', { d: 3.25 }],
      ['no', { b: false }],
      ['raw', { x: [0, 1, 254, 255] }],
      [
        'nested',
        {
          kv: [
            ['list', { a: [{ s: 'a' }, { i: 2n }, { a: [{ b: true }] }] }],
            ['inner', { kv: [['deep', { s: 'ü' }]] }],
          ],
        },
      ],
    ];
    const want = {
      max: '9223372036854775807',
      min: '-9223372036854775808',
      'minus.one': -1,
      safe: 2 ** 53 - 1,
      unsafe: '9007199254740993',
      zero: 0,
      pi: 3.25,
      no: false,
      raw: 'AAH+/w==',
      nested: { list: ['a', 2, [true]], inner: { deep: 'ü' } },
    };
    expect(decodeTracesProto(request(attrs)).spans[0].attributes).toEqual(want);

    const toJson = (v: V): unknown => {
      if ('s' in v) return { stringValue: v.s };
      if ('b' in v) return { boolValue: v.b };
      if ('i' in v) return { intValue: v.i.toString() };
      if ('d' in v) return { doubleValue: v.d };
      if ('a' in v) return { arrayValue: { values: v.a.map(toJson) } };
      if ('kv' in v) return { kvlistValue: { values: v.kv.map(([key, e]) => ({ key, value: toJson(e) })) } };
      return { bytesValue: Buffer.from(v.x).toString('base64') };
    };
    const json = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE.toString('hex'),
                  spanId: SPAN.toString('hex'),
                  name: 'op',
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000000001000',
                  attributes: attrs.map(([key, v]) => ({ key, value: toJson(v) })),
                },
              ],
            },
          ],
        },
      ],
    };
    expect(decodeTracesJson(json).spans[0].attributes).toEqual(want);
  });

  it('keeps at most maxAttributes attributes per span', () => {
    const attrs: [string, V][] = Array.from({ length: 3000 }, (_, i) => [`k${i}`, { i: BigInt(i) }]);
    const limits = {
      maxAttributeValueBytes: 65536,
      maxAttributes: 1024,
      maxValueDepth: 32,
      maxNameBytes: 1024,
    };
    const got = decodeTracesProto(request(attrs), limits).spans[0].attributes;
    expect(Object.keys(got)).toHaveLength(1024);
    expect(got.k1023).toBe(1023);
    expect(got.k1024).toBeUndefined();
  });

  it('refuses values nested deeper than maxValueDepth with OtlpDecodeError, not a stack overflow', () => {
    let v: V = { s: 'bottom' };
    for (let i = 0; i < 100; i++) v = { a: [v] };
    expect(() => decodeTracesProto(request([['deep', v]]))).toThrow(/nested deeper than 32/);
  });

  it('cuts oversized values on a UTF-8 character boundary, in protobuf and in JSON alike', () => {
    const limits = { maxAttributeValueBytes: 10, maxAttributes: 1024, maxValueDepth: 32, maxNameBytes: 1024 };
    const value = 'abcdefghi😀tail'; // the emoji occupies bytes 9..12: a cut at 10 must drop all of it
    const bytes = Buffer.byteLength(value);
    const got = decodeTracesProto(request([['v', { s: value }]]), limits).spans[0].attributes.v;
    expect(got).toBe(`abcdefghi…[truncated ${bytes} bytes]`);
    expect(truncateString(value, 10)).toBe(got);
    expect(truncateString('short', 10)).toBe('short');
  });

  it('cuts attribute keys to maxNameBytes, in protobuf and in JSON alike', () => {
    const limits = { maxAttributeValueBytes: 100, maxAttributes: 1024, maxValueDepth: 32, maxNameBytes: 8 };
    const key = 'k'.repeat(100_000);
    const proto = decodeTracesProto(request([[key, { s: 'v' }]]), limits).spans[0].attributes;
    expect(proto['kkkkkkkk…[truncated 100000 bytes]']).toBe('v');
    expect(Object.keys(proto).every((k) => k.length < 50)).toBe(true);
    const json = decodeTracesJson(
      {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    name: 'the span',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                    attributes: [{ key, value: { stringValue: 'v' } }],
                  },
                ],
              },
            ],
          },
        ],
      },
      limits,
    ).spans[0].attributes;
    expect(json['kkkkkkkk…[truncated 100000 bytes]']).toBe('v');
  });

  it('still rejects invalid UTF-8 beyond the cut of an oversized value', () => {
    const limits = { maxAttributeValueBytes: 4, maxAttributes: 1024, maxValueDepth: 32, maxNameBytes: 1024 };
    const body = Buffer.from(request([['v', { s: 'abcdefghij' }]]));
    body[body.indexOf(Buffer.from('abcdefghij')) + 8] = 0xff;
    expect(() => decodeTracesProto(body, limits)).toThrow(/not valid UTF-8/);
  });
});

describe('ids', () => {
  it.each([
    ['all-zero trace id', { trace: new Uint8Array(16) }, /spans\[0\]\.traceId/],
    ['all-zero span id', { span: new Uint8Array(8) }, /spans\[0\]\.spanId/],
    ['short span id', { span: new Uint8Array([1, 2, 3]) }, /spans\[0\]\.spanId: expected 8 bytes, got 3/],
    [
      'long trace id',
      { trace: new Uint8Array(17).fill(1) },
      /spans\[0\]\.traceId: expected 16 bytes, got 17/,
    ],
  ])('rejects a request with an %s as a whole', (_name, ids, message) => {
    expect(() => decodeTracesProto(request([], ids))).toThrow(OtlpDecodeError);
    expect(() => decodeTracesProto(request([], ids))).toThrow(message);
  });
});

describe('times', () => {
  const span = (start: string, end: string) => ({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE.toString('hex'),
                spanId: SPAN.toString('hex'),
                name: 'op',
                startTimeUnixNano: start,
                endTimeUnixNano: end,
              },
            ],
          },
        ],
      },
    ],
  });

  it('leaves out spans and logs whose times do not fit int64 nanoseconds, counting them', () => {
    const tooLate = (2n ** 63n).toString();
    const decoded = decodeTracesJson(span('1700000000000000000', tooLate));
    expect(decoded.spans).toHaveLength(0);
    expect(decoded.rejected).toBe(1);
    expect(decoded.rejectMessage).toBe('span time beyond the year 2262');
    const logs = decodeLogsJson({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: tooLate }, { timeUnixNano: '5' }] }] }],
    });
    expect(logs.logs).toHaveLength(1);
    expect(logs.rejected).toBe(1);
  });

  it.each([['-5'], ['1.5'], ['123456789012345678901234']])(
    'rejects JSON nanoseconds %s naming the path',
    (v) => {
      expect(() => decodeTracesJson(span(v, '1700000000000000000'))).toThrow(
        /spans\[0\]\.startTimeUnixNano: expected nanoseconds/,
      );
    },
  );

  it('rejects a protobuf link without a span id, naming it', () => {
    const link = len(13, len(1, TRACE)); // Span.links[0] with only a trace id
    const spanBytes = [...len(1, TRACE), ...len(2, SPAN), ...str(5, 'op'), ...link];
    const req = Uint8Array.from(len(1, len(2, len(2, spanBytes))));
    expect(() => decodeTracesProto(req)).toThrow(/spans\[0\]\.links\[0\]\.spanId: missing/);
  });
});
