/**
 * A local stand-in for Loki's push API (no Loki runs here) that checks every request against the
 * documented contract and Loki's default limits, answering as Loki does (204, or 400/429 with a text
 * reason): POST /loki/api/v1/push, Content-Type application/json (gzip allowed); `streams` an array of
 * `{stream: {label: value}, values: [[ns, line] | [ns, line, {metadata}]]}`; label names
 * [a-zA-Z_][a-zA-Z0-9_]*, at most 15 per stream (max_label_names_per_series), values at most 2048
 * bytes (max_label_value_length); timestamps decimal strings of nanoseconds; lines strings; structured
 * metadata string → string. It also records how many distinct streams it has seen (label cardinality).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface LokiEntry {
  stream: Record<string, string>;
  ts: string;
  line: string;
  metadata: Record<string, string> | undefined;
}

export interface LokiReceiver {
  url: string;
  entries: LokiEntry[];
  streams: Set<string>;
  requests: { status: number; headers: IncomingHttpHeaders }[];
  violations: string[];
  fault: (() => { status: number; retryAfter?: string } | null) | null;
  close(): Promise<void>;
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export async function startLokiReceiver(): Promise<LokiReceiver> {
  const r: LokiReceiver = {
    url: '',
    entries: [],
    streams: new Set(),
    requests: [],
    violations: [],
    fault: null,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, text = '', headers: Record<string, string> = {}) => {
        r.requests.push({ status, headers: req.headers });
        res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text);
      };
      const invalid = (why: string) => {
        r.violations.push(why);
        answer(400, why);
      };
      if (req.method !== 'POST' || req.url !== '/loki/api/v1/push') return answer(404, '404 page not found');
      const f = r.fault?.();
      if (f)
        return answer(
          f.status,
          f.status === 429 ? 'Ingestion rate limit exceeded' : 'injected',
          f.retryAfter ? { 'retry-after': f.retryAfter } : {},
        );
      if (!String(req.headers['content-type']).startsWith('application/json'))
        return invalid(`unsupported Content-Type ${req.headers['content-type']} (this receiver takes JSON)`);
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      let body: { streams?: unknown };
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return invalid('body is not JSON');
      }
      if (!Array.isArray(body.streams)) return invalid('streams must be an array');
      const got: LokiEntry[] = [];
      for (const [i, s] of (
        body.streams as { stream?: Record<string, unknown>; values?: unknown }[]
      ).entries()) {
        const labels = s.stream ?? {};
        const names = Object.keys(labels);
        if (names.length === 0) return invalid(`stream ${i}: no labels`);
        if (names.length > 15)
          return invalid(`stream ${i}: ${names.length} labels, more than max_label_names_per_series 15`);
        for (const n of names) {
          if (!LABEL.test(n)) return invalid(`stream ${i}: invalid label name ${n}`);
          const v = labels[n];
          if (typeof v !== 'string') return invalid(`stream ${i}: label ${n} is not a string`);
          if (Buffer.byteLength(v) > 2048) return invalid(`stream ${i}: label ${n} longer than 2048 bytes`);
        }
        if (!Array.isArray(s.values) || s.values.length === 0)
          return invalid(`stream ${i}: values must be a non-empty array`);
        for (const [j, v] of (s.values as unknown[][]).entries()) {
          if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3))
            return invalid(`stream ${i} value ${j}: [ts, line] or [ts, line, metadata]`);
          if (typeof v[0] !== 'string' || !/^\d{1,19}$/.test(v[0]))
            return invalid(`stream ${i} value ${j}: timestamp must be a string of nanoseconds`);
          if (typeof v[1] !== 'string') return invalid(`stream ${i} value ${j}: line must be a string`);
          const meta = v[2] as Record<string, unknown> | undefined;
          if (
            meta !== undefined &&
            (typeof meta !== 'object' || Object.values(meta).some((x) => typeof x !== 'string'))
          )
            return invalid(`stream ${i} value ${j}: structured metadata must map strings to strings`);
          got.push({
            stream: labels as Record<string, string>,
            ts: v[0],
            line: v[1],
            metadata: meta as Record<string, string> | undefined,
          });
        }
        r.streams.add(JSON.stringify(Object.entries(labels).sort()));
      }
      r.entries.push(...got);
      answer(204);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return r;
}
