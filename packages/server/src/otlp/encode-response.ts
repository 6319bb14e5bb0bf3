/**
 * Export{Trace,Logs,Metrics}ServiceResponse: empty on full success; `partial_success` with the count
 * of rejected items (field 1) and an error message (field 2) when some were left out, as the OTLP
 * specification asks.
 */
export type OtlpSignalName = 'traces' | 'logs' | 'metrics';

const JSON_COUNT_FIELD: Record<OtlpSignalName, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

function varint(n: number, out: number[]): void {
  let v = n;
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

export function encodeExportResponse(
  signal: OtlpSignalName,
  rejected: number,
  message: string,
  format: 'protobuf' | 'json',
): Uint8Array | string {
  if (format === 'json') {
    if (rejected === 0 && message === '') return '{}';
    return JSON.stringify({
      partialSuccess: { [JSON_COUNT_FIELD[signal]]: String(rejected), errorMessage: message },
    });
  }
  if (rejected === 0 && message === '') return new Uint8Array(0);
  const inner: number[] = [];
  if (rejected > 0) {
    inner.push(0x08);
    varint(rejected, inner);
  }
  const msg = Buffer.from(message, 'utf8');
  if (msg.length > 0) {
    inner.push(0x12);
    varint(msg.length, inner);
    for (const b of msg) inner.push(b);
  }
  const out: number[] = [0x0a];
  varint(inner.length, out);
  return Uint8Array.from([...out, ...inner]);
}
