/**
 * A local stand-in for Splunk's HTTP Event Collector (no Splunk runs here) that checks every request
 * against the documented contract (Splunk docs: "Format events for HTTP Event Collector", "HTTP Event
 * Collector error codes") and answers as HEC does:
 * - POST /services/collector/event only; `Authorization: Splunk <token>` (401 code 2 "Token is
 *   required" when absent or another scheme, 403 code 4 "Invalid token" when wrong);
 * - the body: JSON event objects back to back (whitespace between allowed), gzip allowed; each has an
 *   `event` (400 code 12 "Event field is required", code 13 "Event field cannot be blank"), `time` a
 *   number of epoch seconds when present, `fields` flat (strings, numbers, or arrays of them: 400
 *   code 6 "Invalid data format" otherwise); a metric event (`"event":"metric"`) needs at least one
 *   numeric `metric_name:<name>` field; no data is 400 code 5 "No data";
 * - success: 200 `{"text":"Success","code":0}`.
 * `fault` answers a whole request instead (503 code 9 "Server is busy", 429, 400…).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface HecEvent {
  time?: number;
  source?: string;
  sourcetype?: string;
  index?: string;
  host?: string;
  event: unknown;
  fields?: Record<string, unknown>;
}

export interface HecReceiver {
  url: string;
  token: string;
  events: HecEvent[];
  requests: { status: number; code: number; authorization?: string }[];
  /** Contract violations found (each also answered 400): a test expects none from the exporter. */
  violations: string[];
  fault: (() => { status: number; code: number; text: string; retryAfter?: string } | null) | null;
  /**
   * A slow HEC: each request is handled (checked, stored, answered) this long after its body arrived,
   * whether or not the client is still waiting — as a real indexer that has read a request does.
   */
  delayMs: number;
  /** Requests read and not yet handled (delayMs). */
  pending: number;
  close(): Promise<void>;
}

/** Splits JSON objects written back to back (HEC's batch form). */
export function splitObjects(text: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
      if (depth < 0) return null;
    } else if (depth === 0 && !/\s/.test(c as string)) return null;
  }
  return depth === 0 ? out : null;
}

export async function startHecReceiver(token = 'hec-test-token'): Promise<HecReceiver> {
  const r: HecReceiver = {
    url: '',
    token,
    events: [],
    requests: [],
    violations: [],
    fault: null,
    delayMs: 0,
    pending: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (r.delayMs <= 0) return handle();
      r.pending++;
      setTimeout(() => {
        r.pending--;
        handle();
      }, r.delayMs);
    });
    const handle = () => {
      const answer = (
        status: number,
        code: number,
        text: string,
        extra: Record<string, unknown> = {},
        headers: Record<string, string> = {},
      ) => {
        r.requests.push({ status, code, authorization: req.headers.authorization });
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify({ text, code, ...extra }));
      };
      const invalid = (code: number, text: string, why: string, eventIndex?: number) => {
        r.violations.push(why);
        answer(400, code, text, eventIndex === undefined ? {} : { 'invalid-event-number': eventIndex });
      };
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/services/collector/event')
        return answer(404, 404, 'The requested URL was not found on this server.');
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Splunk ')) return answer(401, 2, 'Token is required');
      if (auth !== `Splunk ${token}`) return answer(403, 4, 'Invalid token');
      const f = r.fault?.();
      if (f) return answer(f.status, f.code, f.text, {}, f.retryAfter ? { 'retry-after': f.retryAfter } : {});
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const text = raw.toString('utf8');
      if (text.trim() === '') return invalid(5, 'No data', 'empty body');
      const parts = splitObjects(text);
      if (!parts) return invalid(6, 'Invalid data format', 'body is not JSON objects back to back');
      const batch: HecEvent[] = [];
      for (const [i, p] of parts.entries()) {
        let e: HecEvent;
        try {
          e = JSON.parse(p);
        } catch {
          return invalid(6, 'Invalid data format', `event ${i}: not JSON`, i);
        }
        if (!('event' in e)) return invalid(12, 'Event field is required', `event ${i}: no event field`, i);
        if (e.event === '' || e.event === null)
          return invalid(13, 'Event field cannot be blank', `event ${i}: blank`, i);
        if (e.time !== undefined && (typeof e.time !== 'number' || e.time > 1e11))
          return invalid(6, 'Invalid data format', `event ${i}: time must be epoch seconds`, i);
        for (const [k, v] of Object.entries(e.fields ?? {})) {
          const ok = (x: unknown) => typeof x === 'string' || typeof x === 'number';
          if (!(ok(v) || (Array.isArray(v) && v.every(ok))))
            return invalid(6, 'Invalid data format', `event ${i}: field ${k} is not flat`, i);
        }
        if (e.event === 'metric') {
          const metrics = Object.entries(e.fields ?? {}).filter(([k]) => k.startsWith('metric_name:'));
          if (metrics.length === 0 || !metrics.every(([, v]) => typeof v === 'number'))
            return invalid(
              6,
              'Invalid data format',
              `event ${i}: a metric event needs numeric metric_name:* fields`,
              i,
            );
        }
        batch.push(e);
      }
      r.events.push(...batch);
      answer(200, 0, 'Success');
    };
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return r;
}
