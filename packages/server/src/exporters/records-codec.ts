import type { MetricPoint } from '../metrics/index.js';
import type { LogRecord, SpanRecord } from '../model/index.js';
import type { ExportBatch, FrameSignal, MetricSample } from './types.js';

/**
 * Records in the disk queue are JSON, with bigint nanosecond times written as decimal strings under
 * keys that say so: the queue must survive restarts and upgrades, so it holds the normalized model (not
 * one target's wire format), and each exporter encodes at send time.
 */
const SPAN_TIMES = ['startTimeUnixNano', 'endTimeUnixNano'] as const;

function bigintToJson(this: bigint): string {
  return this.toString();
}

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

/**
 * A frame's payload: `<project>\n<json>` — the project first, so the queue can group frames of one
 * project without parsing them (project ids have no newline).
 */
export function encodeFrame(p: FramePayload): Buffer {
  return Buffer.from(
    `${p.project}\n${JSON.stringify(
      { v: 1, project: p.project, spans: p.spans, logs: p.logs, points: p.points, samples: p.samples },
      bigintReplacer,
    )}`,
    'utf8',
  );
}

/**
 * Builds frames from records, stringifying each record once per flush however many exporters take it
 * (three exporters without filters share every string).
 */
export class FrameBuilder {
  private readonly cache = new Map<object, string>();

  private json(r: object): string {
    let s = this.cache.get(r);
    if (s === undefined) {
      s = JSON.stringify(r);
      this.cache.set(r, s);
    }
    return s;
  }

  frame(p: FramePayload): Buffer {
    // bigint times as decimal strings: a replacer function made JSON.stringify ~40% slower than
    // BigInt.prototype.toJSON, which is defined only for this synchronous call and removed after
    const proto = BigInt.prototype as unknown as { toJSON?: () => string };
    proto.toJSON = bigintToJson;
    try {
      return this.build(p);
    } finally {
      delete proto.toJSON;
    }
  }

  private build(p: FramePayload): Buffer {
    const parts = (rs: readonly object[]) => rs.map((r) => this.json(r)).join(',');
    return Buffer.from(
      `${p.project}\n{"v":1,"project":${JSON.stringify(p.project)},"spans":[${parts(p.spans)}],"logs":[${parts(p.logs)}],"points":[${parts(p.points)}],"samples":${JSON.stringify(p.samples)}}`,
      'utf8',
    );
  }
}

const toBig = (v: unknown): bigint => BigInt(v as string | number);

/** The project of an encoded frame. */
export function frameProject(buf: Uint8Array): string {
  const nl = buf.indexOf(10);
  return Buffer.from(buf.buffer, buf.byteOffset, Math.max(nl, 0)).toString('utf8');
}

export function sameProject(a: Uint8Array, b: Uint8Array): boolean {
  const nl = a.indexOf(10);
  if (nl < 0 || b[nl] !== 10) return false;
  for (let i = 0; i < nl; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function decodeFrame(buf: Buffer): ExportBatch {
  const nl = buf.indexOf(10);
  const raw = JSON.parse(buf.toString('utf8', nl + 1)) as {
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

const SIGNAL_BYTE: Record<FrameSignal, number> = { spans: 0x73, logs: 0x6c, points: 0x70 };
const BYTE_SIGNAL: Record<number, FrameSignal> = { 115: 'spans', 108: 'logs', 112: 'points' };

/** A codec frame: `<project>\n` + one signal byte (s, l, p) + the codec's bytes. */
export function encodedFrame(project: string, signal: FrameSignal, body: Uint8Array): Buffer {
  const head = Buffer.from(`${project}\n`, 'utf8');
  return Buffer.concat([head, Buffer.from([SIGNAL_BYTE[signal]]), body]);
}

/** The signal and bytes of a codec frame; null when the frame holds JSON records instead. */
export function readEncodedFrame(buf: Buffer): { signal: FrameSignal; body: Buffer } | null {
  const nl = buf.indexOf(10);
  const signal = BYTE_SIGNAL[buf[nl + 1]];
  if (signal === undefined) return null;
  return { signal, body: buf.subarray(nl + 2) };
}

/** Any records object as JSON, bigint times as decimal strings (the dead-letter file). */
export function recordsJson(o: object): string {
  return JSON.stringify(o, bigintReplacer);
}
