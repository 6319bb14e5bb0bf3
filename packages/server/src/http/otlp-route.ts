import type { IncomingMessage } from 'node:http';
import type { Context, Hono } from 'hono';
import type { Admission, AdmissionTicket } from '../ingest/admission.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
// the principal module alone: auth/index pulls in OIDC sign-in, which imports the audit routes
import { projectOf } from '../auth/principal.js';
import { SpoolFullError } from '../spool/index.js';
import {
  STORAGE_RETRY_AFTER_SECONDS,
  type StorageErrno,
  storageErrnoOf,
  storageProblem,
} from '../storage-health/index.js';
import type { DecodedBatch } from '../store/types.js';
import { errorHeaders, GRPC_STATUS, toWitnessError, WitnessError } from './errors.js';
import { DEFAULT_LINGER, type LingerOptions, lingerBeforeClose } from './lingering-close.js';
import {
  type BodyLimits,
  declaredLength,
  decodeContentEncoding,
  readRawBody,
  saturated,
  tooLarge,
} from './read-body.js';
import { encodeRpcStatus } from './rpc-status.js';

export type OtlpFormat = 'protobuf' | 'json';

export interface DecodedExport {
  /** The request's records; the route adds the request's project (`projectOf(c)`) before ingest. */
  batch: DecodedBatch;
  /** Items dropped by the decoder (answered as partial_success). */
  rejected: number;
  /** Why they were dropped. */
  message?: string;
}

/** One OTLP signal (traces, logs, metrics…): how to decode its body and word its answer. */
export interface OtlpSignal {
  /** e.g. `/v1/traces`. */
  path: string;
  /** Throws (decoder error) for a body that is not a valid export request: answered 400. */
  decode(body: Uint8Array, format: OtlpFormat): DecodedExport;
  /** The Export*ServiceResponse, with partial_success when some items were rejected. */
  encodeResponse(format: OtlpFormat, rejected: number, message: string): Uint8Array | string;
  /**
   * Where the decoded batch goes, in the request's project. @default the ingest pipeline (store,
   * audit, sinks). Metrics, for example, go elsewhere.
   */
  ingest?(decoded: DecodedExport, project: string): Promise<void>;
  /** Is this error the decoder saying the body is malformed? (Anything else is a 500.) */
  isDecodeError(err: unknown): boolean;
}

export interface OtlpRouteDeps {
  pipeline: IngestPipeline;
  admission: Admission;
  limits: BodyLimits;
  /** Bounds on draining a refused body before closing. @default DEFAULT_LINGER */
  linger?: LingerOptions;
  /** False until the store is open: ingest answers 503 + Retry-After before. */
  ready: () => boolean;
  /** Told about unexpected failures (sink errors, bugs) that became 5xx. */
  onError?: (err: unknown) => void;
  /** Told when a batch could not be stored because of the disk (full, read-only…): counted, logged. */
  onStorageError?: (errno: StorageErrno, err: unknown) => void;
  /** Test-only (fault/, WITNESS_FAULT_INGEST_DELAY_MS): wait this long before storing each request. */
  faultDelayMs?: number;
}

function formatOf(contentType: string | undefined): OtlpFormat | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

/**
 * Reads the body under admission control: admitted by its declared length before one byte is read,
 * then held byte by byte as it arrives and as gunzip expands it. Throws 413/429/415 (WitnessError).
 */
async function readBody(c: Context, limits: BodyLimits, admission: Admission): Promise<Admitted> {
  const incoming = nodeIncoming(c);
  const encoding = c.req.header('content-encoding');
  if (!incoming) {
    // In-process (app.request) use: no Node stream, the body is already in memory.
    const raw = Buffer.from(await c.req.arrayBuffer());
    if (raw.length > limits.maxRequestBytes) throw tooLarge(limits.maxRequestBytes);
    const ticket = admission.tryAcquire(raw.length);
    if (!ticket) throw saturated();
    return { ticket, body: await decodeContentEncoding(raw, encoding, limits.maxDecompressedBytes) };
  }
  const declared = declaredLength(incoming);
  if (declared !== null && declared > limits.maxRequestBytes) throw tooLarge(limits.maxRequestBytes);
  const ticket = admission.tryAcquire(declared ?? 0);
  if (!ticket) throw saturated();
  try {
    let held = declared ?? 0;
    const raw = await readRawBody(incoming, limits.maxRequestBytes, (n) => {
      // a declared body is held already; count only what arrives beyond what was declared
      if (held >= n) {
        held -= n;
        return true;
      }
      const more = n - held;
      held = 0;
      return ticket.grow(more);
    });
    const body = await decodeContentEncoding(raw, encoding, limits.maxDecompressedBytes);
    if (body !== raw && !ticket.grow(body.length)) throw saturated();
    return { ticket, body };
  } catch (err) {
    ticket.release();
    throw err;
  }
}

interface Admitted {
  ticket: AdmissionTicket;
  body: Buffer;
}

function nodeIncoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/** Failures as OTLP/HTTP says: google.rpc.Status in the request's own format (JSON adds our error object). */
function failure(
  c: Context,
  err: WitnessError,
  format: OtlpFormat | null,
  extraHeaders: Record<string, string> = {},
): Response {
  const headers = { ...errorHeaders(err), ...extraHeaders };
  if (format === 'protobuf') {
    headers['content-type'] = 'application/x-protobuf';
    return c.body(
      encodeRpcStatus(GRPC_STATUS[err.code], err.message) as Uint8Array<ArrayBuffer>,
      err.status,
      headers,
    );
  }
  headers['content-type'] = 'application/json';
  const body = {
    error: { code: err.code, message: err.message },
    code: GRPC_STATUS[err.code],
    message: err.message,
  };
  return c.body(JSON.stringify(body), err.status, headers);
}

/**
 * POST <signal.path>: admit (by declared length) → read (bounded, held as it arrives) → gunzip
 * (bounded) → decode → ingest → answer after commit. A request refused before its body was read gets
 * a lingering close, so the client reads the answer instead of a connection reset.
 */
export function registerOtlpRoute(app: Hono, signal: OtlpSignal, deps: OtlpRouteDeps): void {
  app.post(signal.path, async (c) => {
    const format = formatOf(c.req.header('content-type'));
    let ticket: AdmissionTicket | null = null;
    try {
      if (format === null) {
        throw new WitnessError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Type "${c.req.header('content-type') ?? ''}" is not supported; send application/x-protobuf or application/json`,
        );
      }
      if (!deps.ready()) {
        throw new WitnessError('SERVICE_UNAVAILABLE', 'the store is still opening; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      const admitted = await readBody(c, deps.limits, deps.admission);
      ticket = admitted.ticket;
      if (!ticket.startBatch()) throw saturated();
      let decoded: DecodedExport;
      try {
        decoded = signal.decode(admitted.body, format);
      } catch (err) {
        if (signal.isDecodeError(err)) {
          const what = format === 'protobuf' ? 'protobuf' : 'JSON';
          throw new WitnessError('BAD_REQUEST', `invalid OTLP ${what} body: ${(err as Error).message}`, {
            cause: err,
          });
        }
        throw err;
      }
      // The principal's project (the key's, or the one the request names with auth off): every
      // record of this request lands there and nowhere else.
      const project = projectOf(c);
      if (deps.faultDelayMs) await new Promise((r) => setTimeout(r, deps.faultDelayMs));
      try {
        await (signal.ingest
          ? signal.ingest(decoded, project)
          : deps.pipeline.ingest({ project, spans: decoded.batch.spans, logs: decoded.batch.logs }));
      } catch (err) {
        // The store is down and the spool full: a refusal the exporter retries after Retry-After.
        if (err instanceof SpoolFullError)
          throw new WitnessError('SERVICE_UNAVAILABLE', err.message, {
            retryAfterSeconds: err.retryAfterSeconds,
            cause: err,
          });
        // The disk is full, read-only…: say so (the exporter's log shows it) and make it wait longer.
        const errno = storageErrnoOf(err);
        if (errno) {
          deps.onStorageError?.(errno, err);
          throw new WitnessError(
            'SERVICE_UNAVAILABLE',
            `${storageProblem(errno)}; the batch was not stored, retry`,
            {
              retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS,
              cause: err,
            },
          );
        }
        deps.onError?.(err);
        // Not stored: tell the exporter to retry (503 is retryable in OTLP), it still holds the data.
        throw new WitnessError('SERVICE_UNAVAILABLE', 'the batch could not be stored; retry', {
          retryAfterSeconds: 1,
          cause: err,
        });
      }
      const payload = signal.encodeResponse(format, decoded.rejected, decoded.message ?? '');
      const type = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
      return c.body(payload as Uint8Array<ArrayBuffer>, 200, { 'content-type': type });
    } catch (err) {
      let e = toWitnessError(err);
      if (e.code === 'INTERNAL_SERVER_ERROR') deps.onError?.(err);
      const incoming = nodeIncoming(c);
      if (incoming && !incoming.complete) {
        // refused before the body was read: answer, then drain it (bounded) before closing
        lingerBeforeClose(incoming, deps.linger ?? DEFAULT_LINGER);
        if (!e.closeConnection) e = withClose(e);
      }
      return failure(c, e, format);
    } finally {
      ticket?.release();
    }
  });
}

/**
 * A refusal of an OTLP request before its body was read (the auth middleware's 401/403/429): in the
 * OTLP status shape exporters parse, with a bounded drain of the body so the exporter reads the answer.
 */
export function refuseOtlp(
  c: Context,
  err: WitnessError,
  headers: Record<string, string>,
  linger: LingerOptions = DEFAULT_LINGER,
): Response {
  const incoming = nodeIncoming(c);
  let e = err;
  if (incoming && !incoming.complete) {
    lingerBeforeClose(incoming, linger);
    if (!e.closeConnection) e = withClose(e);
  }
  return failure(c, e, formatOf(c.req.header('content-type')), headers);
}

function withClose(e: WitnessError): WitnessError {
  return new WitnessError(e.code, e.message, {
    cause: e.cause,
    retryAfterSeconds: e.retryAfterSeconds,
    closeConnection: true,
  });
}
