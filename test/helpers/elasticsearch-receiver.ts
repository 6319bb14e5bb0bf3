/**
 * A local stand-in for Elasticsearch's `_bulk` and `_index_template` APIs (no Elasticsearch can run
 * here) that checks every request against the published contract and answers as Elasticsearch does:
 * - auth: `Authorization: ApiKey <key>` or 401 (security_exception);
 * - PUT /_index_template/<name>: JSON with `index_patterns` (strings) and `template.mappings`;
 * - POST /_bulk: Content-Type application/x-ndjson (gzip allowed), every line ending in '\n', action
 *   lines with exactly one of index/create/update/delete and a valid `_index` (lowercase, no leading
 *   -/_/+, none of \ / * ? " < > | space , #), followed by a JSON source object for index/create;
 *   a malformed body is a 400 with an `error` object, as Elasticsearch answers;
 * - the bulk answer: `{took, errors, items:[{create:{_index,_id,status,result|error}}]}`, 201 created,
 *   409 version_conflict_engine_exception for an `_id` already in the index.
 * `fault` answers a whole request (429 with Retry-After, 503, 400); `itemFault` one document (429
 * es_rejected_execution_exception, 400 mapper_parsing_exception).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface EsReceiver {
  url: string;
  apiKey: string;
  /** Indexed documents by `<index>/<id>`. */
  docs: Map<string, Record<string, unknown>>;
  templates: Map<string, Record<string, unknown>>;
  requests: { method: string; path: string; headers: IncomingHttpHeaders; status: number }[];
  /** Problems found in requests (each also answered 400): a test expects none. */
  violations: string[];
  fault: ((path: string) => { status: number; retryAfter?: string } | null) | null;
  itemFault: ((id: string, doc: Record<string, unknown>) => 429 | 400 | null) | null;
  close(): Promise<void>;
}

const BAD_INDEX = /[\\/*?"<>| ,#A-Z]|^[-_+]|^\.\.?$/;
const ACTIONS = ['index', 'create', 'update', 'delete'];

export async function startEsReceiver(apiKey = 'es-test-key'): Promise<EsReceiver> {
  const r: EsReceiver = {
    url: '',
    apiKey,
    docs: new Map(),
    templates: new Map(),
    requests: [],
    violations: [],
    fault: null,
    itemFault: null,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        r.requests.push({ method, path, headers: req.headers, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      };
      const invalid = (reason: string) => {
        r.violations.push(`${method} ${path}: ${reason}`);
        answer(400, { error: { type: 'illegal_argument_exception', reason }, status: 400 });
      };
      if (req.headers.authorization !== `ApiKey ${apiKey}`)
        return answer(401, {
          error: { type: 'security_exception', reason: 'missing authentication credentials' },
          status: 401,
        });
      const f = r.fault?.(path);
      if (f)
        return answer(
          f.status,
          { error: { type: 'injected', reason: 'injected' }, status: f.status },
          f.retryAfter ? { 'retry-after': f.retryAfter } : {},
        );
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const text = raw.toString('utf8');

      const tpl = /^\/_index_template\/([^/?]+)$/.exec(path);
      if (tpl && method === 'PUT') {
        let body: { index_patterns?: unknown; template?: { mappings?: unknown } };
        try {
          body = JSON.parse(text);
        } catch {
          return invalid('template body is not JSON');
        }
        if (!Array.isArray(body.index_patterns) || !body.index_patterns.every((p) => typeof p === 'string'))
          return invalid('index_patterns must be an array of strings');
        if (typeof body.template?.mappings !== 'object') return invalid('template.mappings is required');
        r.templates.set(decodeURIComponent(tpl[1] as string), body as Record<string, unknown>);
        return answer(200, { acknowledged: true });
      }
      if (path.split('?')[0] !== '/_bulk' || (method !== 'POST' && method !== 'PUT'))
        return answer(404, {
          error: { type: 'no_handler', reason: `no handler for ${method} ${path}` },
          status: 404,
        });
      if (!String(req.headers['content-type']).startsWith('application/x-ndjson'))
        return invalid(`Content-Type must be application/x-ndjson, got ${req.headers['content-type']}`);
      if (!text.endsWith('\n')) return invalid('The bulk request must be terminated by a newline [\\n]');
      const lines = text.slice(0, -1).split('\n');
      const items: Record<string, unknown>[] = [];
      let errors = false;
      for (let i = 0; i < lines.length; i++) {
        let action: Record<string, { _index?: string; _id?: string }>;
        try {
          action = JSON.parse(lines[i] as string);
        } catch {
          return invalid(`line ${i + 1}: action line is not JSON`);
        }
        const keys = Object.keys(action);
        if (keys.length !== 1 || !ACTIONS.includes(keys[0] as string))
          return invalid(
            `line ${i + 1}: Malformed action/metadata line, expected one of ${ACTIONS.join(', ')}`,
          );
        const op = keys[0] as string;
        const meta = action[op] ?? {};
        if (!meta._index || BAD_INDEX.test(meta._index))
          return invalid(`line ${i + 1}: invalid index name [${meta._index}]`);
        if (op === 'delete') continue;
        i++;
        let source: Record<string, unknown>;
        try {
          source = JSON.parse(lines[i] ?? '');
        } catch {
          return invalid(`line ${i + 1}: source for ${op} is missing or not JSON`);
        }
        if (typeof source !== 'object' || source === null || Array.isArray(source))
          return invalid(`line ${i + 1}: source must be an object`);
        const id = meta._id ?? `auto-${r.docs.size}-${i}`;
        const key = `${meta._index}/${id}`;
        const fault = r.itemFault?.(id, source) ?? null;
        let item: Record<string, unknown>;
        if (fault === 429) {
          errors = true;
          item = {
            _index: meta._index,
            _id: id,
            status: 429,
            error: {
              type: 'es_rejected_execution_exception',
              reason: 'rejected execution (queue capacity 200)',
            },
          };
        } else if (fault === 400) {
          errors = true;
          item = {
            _index: meta._index,
            _id: id,
            status: 400,
            error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [witness.cost_usd]' },
          };
        } else if (op === 'create' && r.docs.has(key)) {
          errors = true;
          item = {
            _index: meta._index,
            _id: id,
            status: 409,
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, document already exists`,
            },
          };
        } else {
          r.docs.set(key, source);
          item = { _index: meta._index, _id: id, _version: 1, result: 'created', status: 201 };
        }
        items.push({ [op]: item });
      }
      answer(200, { took: 1, errors, items });
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
