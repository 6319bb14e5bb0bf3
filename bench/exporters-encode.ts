/**
 * Where an exporter's CPU goes, per span of bench:ingest's payload, in-process: the ingest decode and
 * normalize for scale, the queue frame's JSON encode and decode, the OTLP protobuf encode (the
 * hand-written proto-writer; against protobufjs: bench/exporters-otlp-encode.ts), gzip at the default
 * level and at level 1, v8.serialize as an alternative frame format.
 *
 *   npx tsx bench/exporters-encode.ts
 */
import { gzipSync } from 'node:zlib';
import { decodeTracesProto, DEFAULT_DECODE_LIMITS } from '../packages/server/src/otlp/index.js';
import { normalizeSpans } from '../packages/server/src/normalize/index.js';
import { decodeFrame, FrameBuilder } from '../packages/server/src/exporters/records-codec.js';
import { encodeTraces } from '../packages/server/src/exporters/otlp/otlp-encode.js';
import { buildTemplate, payloadFor, BATCH_SPANS } from './ingest-payload.js';
import { serialize, deserialize } from 'node:v8';

const t = buildTemplate();
const body = payloadFor(t, 1, 1);
const time = (label: string, n: number, f: () => unknown) => {
  for (let i = 0; i < 5; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const us = ((performance.now() - t0) * 1000) / n / BATCH_SPANS;
  console.log(`${label.padEnd(34)} ${us.toFixed(2)} µs/span`);
  return us;
};
const decoded = () => {
  const d = decodeTracesProto(body, DEFAULT_DECODE_LIMITS) as unknown as { spans: never[] };
  const spans = (d as { spans: Parameters<typeof normalizeSpans>[0] }).spans;
  normalizeSpans(spans);
  return spans;
};
time('OTLP decode + normalize (ingest)', 30, decoded);
const spans = decoded();
const frame = new FrameBuilder().frame({ project: 'default', spans, logs: [], points: [], samples: [] });
time('queue frame encode (JSON)', 30, () =>
  new FrameBuilder().frame({ project: 'default', spans, logs: [], points: [], samples: [] }),
);
time('queue frame decode (JSON)', 30, () => decodeFrame(frame));
const pb = encodeTraces(spans);
time('OTLP protobuf encode (proto-writer)', 30, () => encodeTraces(spans));
time('gzip', 30, () => gzipSync(pb));
time('v8.serialize', 30, () => serialize(spans));
const ser = serialize(spans);
time('v8.deserialize', 30, () => deserialize(ser));
time('gzip level 1', 30, () => gzipSync(pb, { level: 1 }));
const proto = BigInt.prototype as unknown as { toJSON?: () => string };
time('JSON with BigInt toJSON', 30, () => {
  proto.toJSON = function (this: bigint) {
    return this.toString();
  };
  try {
    return spans.map((s) => JSON.stringify(s)).join(',');
  } finally {
    delete proto.toJSON;
  }
});
