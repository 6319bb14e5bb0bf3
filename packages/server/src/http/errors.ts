/**
 * One error type for every HTTP answer that is not a success, with a closed set of codes and one table
 * from code to status (the tRPC `TRPCError` + `getHTTPStatusCode` pattern). Handlers throw
 * `WitnessError`; the app's error handler turns it into `{ "error": { "code", "message" } }`.
 */
import { StoreQueryError, StoreQueryInterrupted } from '../store/query-error.js';

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** gRPC status codes for the OTLP `google.rpc.Status` body (OTLP/HTTP spec, "Failures"). */
export const GRPC_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 3, // INVALID_ARGUMENT
  UNAUTHORIZED: 16, // UNAUTHENTICATED
  FORBIDDEN: 7, // PERMISSION_DENIED
  NOT_FOUND: 5,
  METHOD_NOT_ALLOWED: 12, // UNIMPLEMENTED
  PAYLOAD_TOO_LARGE: 8, // RESOURCE_EXHAUSTED
  UNSUPPORTED_MEDIA_TYPE: 3,
  TOO_MANY_REQUESTS: 8,
  INTERNAL_SERVER_ERROR: 13,
  SERVICE_UNAVAILABLE: 14,
};

export interface WitnessErrorOptions {
  cause?: unknown;
  /** Seconds, sent as `Retry-After` (429/503). */
  retryAfterSeconds?: number;
  /** Close the connection after answering: the rest of the body is not worth reading. */
  closeConnection?: boolean;
}

export class WitnessError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly closeConnection: boolean;

  constructor(code: ErrorCode, message: string, options: WitnessErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'WitnessError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.closeConnection = options.closeConnection ?? false;
  }

  get status(): ErrorStatus {
    return ERROR_STATUS[this.code];
  }
}

export function httpStatusOf(code: ErrorCode): ErrorStatus {
  return ERROR_STATUS[code];
}

/** Anything thrown becomes a WitnessError; unknown errors are internal and their message is not leaked. */
export function toWitnessError(err: unknown): WitnessError {
  if (err instanceof WitnessError) return err;
  // the store rejects what the caller sent (a cursor it did not issue, an unknown severity)
  if (err instanceof StoreQueryError) return new WitnessError('BAD_REQUEST', err.message, { cause: err });
  // a read stopped by its deadline, its departed client or shutdown: nothing wrong with the request
  if (err instanceof StoreQueryInterrupted)
    return new WitnessError('SERVICE_UNAVAILABLE', err.message, { cause: err, retryAfterSeconds: 1 });
  return new WitnessError('INTERNAL_SERVER_ERROR', 'internal error; see the server log', { cause: err });
}

export function errorBody(err: WitnessError): { error: { code: ErrorCode; message: string } } {
  return { error: { code: err.code, message: err.message } };
}

export function errorHeaders(err: WitnessError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  if (err.closeConnection) headers.connection = 'close';
  return headers;
}
