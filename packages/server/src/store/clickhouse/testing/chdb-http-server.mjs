#!/usr/bin/env node
/**
 * TEST ONLY — never part of the product path. A small HTTP server that speaks the subset of
 * ClickHouse's HTTP interface the official @clickhouse/client uses, and runs every statement on a
 * real ClickHouse engine embedded by the `chdb` npm package (a persistent on-disk session
 * directory). Witness's ClickHouse store then talks to it over real HTTP, through exactly the client
 * code it uses against a ClickHouse server. See docs/storage.md for what differs from a real server.
 *
 *   node chdb-http-server.mjs <data-dir> [--port 0] [--user U --password-file F] [--sessions N]
 *
 * Prints `listening <port>` on stdout once it accepts connections; SIGTERM waits for running
 * statements and closes the engine cleanly.
 *
 * The HTTP interface as implemented here (https://clickhouse.com/docs/interfaces/http):
 * - GET|HEAD /ping and GET / answer `Ok.`
 * - POST / (or GET): the statement is the `query` URL parameter followed by the body (ClickHouse
 *   joins them with a newline, which is how INSERT … FORMAT JSONEachRow sends its rows);
 *   `param_<name>` are query parameters, given to the engine's server-side binding (values of String
 *   parameters are unescaped from the HTTP interface's escaping first, as the server does);
 *   `database` selects the current database; every other parameter but a few protocol ones is a
 *   setting, applied with SET on the session before the statement (so max_execution_time is enforced
 *   by the engine itself).
 * - Answers 200 with the result (X-ClickHouse-Query-Id, X-ClickHouse-Format, X-ClickHouse-Summary),
 *   or an error status with X-ClickHouse-Exception-Code and the engine's exception text
 *   (`Code: N. DB::Exception: … (NAME)`), which the client parses into a ClickHouseError.
 * - Basic authentication or X-ClickHouse-User/Key, checked when --user is given.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'chdb';

const args = process.argv.slice(2);
const dataDir = args[0];
if (!dataDir) {
  process.stderr.write(
    'usage: chdb-http-server.mjs <data-dir> [--port N] [--user U --password-file F] [--sessions N]\n',
  );
  process.exit(2);
}
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i > 0 ? args[i + 1] : fallback;
};
const port = Number(flag('port', '0'));
const user = flag('user', null);
const passwordFile = flag('password-file', null);
const password = passwordFile ? readFileSync(passwordFile, 'utf8').trim() : '';
const sessionCount = Math.max(1, Number(flag('sessions', '4')));

// Several connections to one data directory coexist (chdb binds one directory per process).
const pool = [];
for (let i = 0; i < sessionCount; i++)
  pool.push({ session: new Session(dataDir), settings: new Map(), database: 'default', busy: false });
const waiting = [];
let running = 0;

function acquire() {
  const free = pool.find((s) => !s.busy);
  if (free) {
    free.busy = true;
    return Promise.resolve(free);
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(s) {
  const next = waiting.shift();
  if (next) next(s);
  else s.busy = false;
}

/** URL parameters that are part of the protocol, not settings. */
const PROTOCOL = new Set([
  'query',
  'database',
  'query_id',
  'default_format',
  'user',
  'password',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'enable_http_compression',
  'wait_end_of_query',
  'role',
]);

const STRING_TYPE = /^(Nullable\()?(LowCardinality\()?(String|FixedString\(\d+\))\)?\)?$/;

/** The HTTP interface's escaping of a top-level parameter value, undone (\t \n \\ \' \N). */
function unescapeParam(value) {
  if (value === '\\N') return null;
  return value.replace(
    /\\(.)/g,
    (_, c) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', 0: '\0' })[c] ?? c,
  );
}

/** `{name:Type}` declarations of the statement. */
function paramTypes(sql) {
  const types = new Map();
  for (const m of sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^}]+)\}/g)) types.set(m[1], m[2].trim());
  return types;
}

function quoteSetting(value) {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function authorised(req, url) {
  if (user === null) return true;
  let u = req.headers['x-clickhouse-user'] ?? url.searchParams.get('user');
  let p = req.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? '';
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = text.indexOf(':');
    u = text.slice(0, i);
    p = text.slice(i + 1);
  }
  return u === user && p === password;
}

function fail(res, status, code, text) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(code),
  });
  res.end(`${text.replace(/\s+$/, '')}\n`);
}

/** HTTP status ClickHouse gives some exception codes (the rest are 500). */
const STATUS_OF = { 60: 404, 81: 404, 62: 400, 516: 401, 192: 401, 159: 500 };

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (
    url.pathname === '/ping' ||
    (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))
  ) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
    res.end('Ok.\n');
    return;
  }
  if (url.pathname !== '/')
    return fail(res, 404, 0, `Code: 0. DB::Exception: unknown handler ${url.pathname}. (UNKNOWN)`);
  if (!authorised(req, url))
    return fail(
      res,
      401,
      516,
      'Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)',
    );
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks).toString('utf8');
  const sql = [url.searchParams.get('query') ?? '', body].filter((s) => s !== '').join('\n');
  if (sql.trim() === '') return fail(res, 400, 62, 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)');
  const types = paramTypes(sql);
  const params = {};
  const settings = new Map();
  for (const [key, value] of url.searchParams) {
    if (key.startsWith('param_')) {
      const name = key.slice(6);
      params[name] = STRING_TYPE.test(types.get(name) ?? '') ? unescapeParam(value) : value;
    } else if (!PROTOCOL.has(key)) settings.set(key, value);
  }
  const queryId = url.searchParams.get('query_id') ?? randomUUID();
  const database = url.searchParams.get('database') ?? 'default';
  const queued = performance.now();
  const s = await acquire();
  const began = performance.now();
  running++;
  try {
    for (const [key, value] of settings) {
      if (s.settings.get(key) === value) continue;
      await s.session.queryAsync(`SET ${key} = ${quoteSetting(value)}`);
      s.settings.set(key, value);
    }
    if (s.database !== database) {
      await s.session.queryAsync(`USE \`${database.replace(/`/g, '')}\``);
      s.database = database;
    }
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    const result =
      Object.keys(params).length > 0
        ? await s.session.queryBindAsync(sql, params, { format })
        : await s.session.queryAsync(sql, { format });
    const out = Buffer.from(result.bytes());
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': /FORMAT\s+(\w+)\s*$/i.exec(sql)?.[1] ?? format,
      'X-ClickHouse-Summary': JSON.stringify({
        read_rows: String(result.rowsRead ?? 0),
        read_bytes: String(result.bytesRead ?? 0),
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: '0',
        result_rows: '0',
        result_bytes: String(out.length),
        elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)),
      }),
      'Content-Length': out.length,
    });
    res.end(out);
  } catch (err) {
    const code = Number(err?.clickhouseCode ?? /Code: (\d+)/.exec(String(err?.message))?.[1] ?? 1002);
    // the session's state is unknown after a failed SET: forget what we think it holds
    s.settings.clear();
    s.database = '';
    fail(res, STATUS_OF[code] ?? 500, code, String(err?.message ?? err));
  } finally {
    running--;
    release(s);
    if (process.env.CHDB_SHIM_LOG)
      process.stderr.write(
        `${(began - queued).toFixed(0)}ms queued ${(performance.now() - began).toFixed(0)}ms ran: ${sql.slice(0, 70).replace(/\s+/g, ' ')}\n`,
      );
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) =>
    fail(res, 500, 1002, `Code: 1002. DB::Exception: ${err?.message ?? err}. (UNKNOWN_EXCEPTION)`),
  );
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

async function shutdown() {
  server.close();
  server.closeAllConnections?.();
  while (running > 0) await new Promise((r) => setTimeout(r, 10));
  for (const s of pool) s.session.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
