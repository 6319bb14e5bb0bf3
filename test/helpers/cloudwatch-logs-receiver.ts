/**
 * A local stand-in for CloudWatch Logs (no AWS here) speaking its AWS JSON 1.1 protocol, as the
 * official SDK client sends it: it verifies every request's SigV4 signature with the SDK's own signer
 * (@smithy/signature-v4, service "logs", the test credentials) and checks the request shape against
 * the API reference — X-Amz-Target Logs_20140328.<Operation>, Content-Type application/x-amz-json-1.1;
 * CreateLogGroup/CreateLogStream (ResourceAlreadyExistsException when they exist); PutLogEvents with
 * an existing group and stream (else ResourceNotFoundException), 1..10,000 events in timestamp order,
 * each a non-empty message and an integer timestamp, at most 1,048,576 bytes (message + 26 each) and
 * 24 hours apart. Events that are Embedded Metric Format documents are checked against the EMF spec
 * (`_aws.Timestamp`, `CloudWatchMetrics[].Namespace/Dimensions/Metrics`, each metric's value a number
 * at the root, each dimension a string at the root). `fault` answers instead: ThrottlingException,
 * ServiceUnavailableException, InvalidParameterException.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sigV4Problem, testSigner } from './s3-server.js';

export interface CwEvent {
  timestamp: number;
  message: string;
}

export interface CwReceiver {
  url: string;
  /** `group/stream` → events. */
  streams: Map<string, CwEvent[]>;
  groups: Set<string>;
  requests: { op: string; status: number }[];
  violations: string[];
  fault: ((op: string) => { status: number; type: string } | null) | null;
  close(): Promise<void>;
}

const signer = testSigner('logs');

function emfProblem(doc: Record<string, unknown>): string | null {
  const aws = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number') return 'EMF: _aws.Timestamp must be a number';
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0)
    return 'EMF: CloudWatchMetrics must be a non-empty array';
  for (const d of aws.CloudWatchMetrics as {
    Namespace?: unknown;
    Dimensions?: unknown;
    Metrics?: unknown;
  }[]) {
    if (typeof d.Namespace !== 'string' || d.Namespace.length === 0) return 'EMF: Namespace required';
    if (!Array.isArray(d.Dimensions) || !d.Dimensions.every((set) => Array.isArray(set) && set.length <= 30))
      return 'EMF: Dimensions must be arrays of at most 30 names';
    for (const set of d.Dimensions as string[][])
      for (const name of set)
        if (typeof doc[name] !== 'string') return `EMF: dimension ${name} must be a string at the root`;
    if (!Array.isArray(d.Metrics) || d.Metrics.length === 0 || d.Metrics.length > 100)
      return 'EMF: 1..100 Metrics';
    for (const m of d.Metrics as { Name?: unknown }[])
      if (typeof m.Name !== 'string' || typeof doc[m.Name] !== 'number')
        return `EMF: metric ${String(m.Name)} needs a number at the root`;
  }
  return null;
}

export async function startCloudWatchLogsReceiver(): Promise<CwReceiver> {
  const r: CwReceiver = {
    url: '',
    streams: new Map(),
    groups: new Set(),
    requests: [],
    violations: [],
    fault: null,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.replace(/^Logs_20140328\./, '');
        const answer = (status: number, json: unknown) => {
          r.requests.push({ op, status });
          res
            .writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'test' })
            .end(JSON.stringify(json));
        };
        const error = (status: number, type: string, message: string) =>
          answer(status, { __type: type, message });
        const invalid = (why: string) => {
          r.violations.push(`${op}: ${why}`);
          error(400, 'InvalidParameterException', why);
        };
        const sig = await sigV4Problem(req.method ?? 'POST', req.url ?? '/', req.headers, body, signer);
        if (sig) return error(403, 'InvalidSignatureException', sig);
        if (!target.startsWith('Logs_20140328.')) return invalid(`X-Amz-Target ${target}`);
        if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1'))
          return invalid('Content-Type must be application/x-amz-json-1.1');
        const f = r.fault?.(op);
        if (f) return error(f.status, f.type, 'injected');
        let input: { logGroupName?: string; logStreamName?: string; logEvents?: CwEvent[] };
        try {
          input = JSON.parse(body.toString('utf8'));
        } catch {
          return invalid('body is not JSON');
        }
        const group = input.logGroupName ?? '';
        const key = `${group}/${input.logStreamName ?? ''}`;
        if (op === 'CreateLogGroup') {
          if (!group) return invalid('logGroupName required');
          if (r.groups.has(group))
            return error(400, 'ResourceAlreadyExistsException', 'The specified log group already exists');
          r.groups.add(group);
          return answer(200, {});
        }
        if (op === 'CreateLogStream') {
          if (!r.groups.has(group))
            return error(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
          if (r.streams.has(key))
            return error(400, 'ResourceAlreadyExistsException', 'The specified log stream already exists');
          r.streams.set(key, []);
          return answer(200, {});
        }
        if (op !== 'PutLogEvents') return invalid(`operation ${op} not served here`);
        const stream = r.streams.get(key);
        if (!stream)
          return error(400, 'ResourceNotFoundException', 'The specified log stream does not exist.');
        const events = input.logEvents;
        if (!Array.isArray(events) || events.length === 0 || events.length > 10_000)
          return invalid('1..10000 logEvents');
        let bytes = 0;
        for (const [i, e] of events.entries()) {
          if (!Number.isInteger(e.timestamp)) return invalid(`event ${i}: timestamp must be an integer (ms)`);
          if (typeof e.message !== 'string' || e.message.length === 0)
            return invalid(`event ${i}: message required`);
          if (i > 0 && e.timestamp < (events[i - 1] as CwEvent).timestamp)
            return invalid('log events must be in chronological order');
          bytes += Buffer.byteLength(e.message) + 26;
          if (e.message.startsWith('{') && e.message.includes('"_aws"')) {
            const p = emfProblem(JSON.parse(e.message));
            if (p) return invalid(`event ${i}: ${p}`);
          }
        }
        if (bytes > 1_048_576) return invalid('batch larger than 1,048,576 bytes');
        if ((events.at(-1) as CwEvent).timestamp - (events[0] as CwEvent).timestamp >= 86_400_000)
          return invalid('batch spans 24 hours or more');
        stream.push(...events);
        answer(200, { nextSequenceToken: String(stream.length) });
      })();
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
