import type { MetricPoint } from '../metrics/index.js';
import type { LogRecord, SpanRecord } from '../model/index.js';
import type { ExportBatch, MetricSample } from './types.js';

/**
 * Records in the disk queue are JSON, with bigint nanosecond times written as decimal strings under
 * keys that say so: the queue must survive restarts and upgrades, so it holds the normalized model (not
 * one target's wire format), and each exporter encodes at send time.
 */
const SPAN_TIMES = ['startTimeUnixNano', 'endTimeUnixNano'] as const;

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** One frame's payload: a project's records. */
export interface FramePayload {
  project: string;
  spans: SpanRecord[];
  logs: LogRecord[];
  points: MetricPoint[];
  samples: MetricSample[];
}

export function encodeFrame(p: FramePayload): Buffer {
  return Buffer.from(
    JSON.stringify(
      { v: 1, project: p.project, spans: p.spans, logs: p.logs, points: p.points, samples: p.samples },
      bigintReplacer,
    ),
    'utf8',
  );
}

const toBig = (v: unknown): bigint => BigInt(v as string | number);

export function decodeFrame(buf: Buffer): ExportBatch {
  const raw = JSON.parse(buf.toString('utf8')) as {
    project: string;
    spans: SpanRecord[];
    logs: LogRecord[];
    points: MetricPoint[];
    samples: MetricSample[];
  };
  for (const s of raw.spans) {
    for (const k of SPAN_TIMES) s[k] = toBig(s[k]);
    for (const e of s.events) e.timeUnixNano = toBig(e.timeUnixNano);
  }
  for (const l of raw.logs) {
    l.timeUnixNano = toBig(l.timeUnixNano);
    l.observedTimeUnixNano = toBig(l.observedTimeUnixNano);
  }
  for (const p of raw.points) {
    p.timeUnixNano = toBig(p.timeUnixNano);
    p.startTimeUnixNano = toBig(p.startTimeUnixNano);
  }
  return {
    project: raw.project,
    spans: raw.spans,
    logs: raw.logs,
    points: raw.points ?? [],
    samples: raw.samples ?? [],
  };
}
