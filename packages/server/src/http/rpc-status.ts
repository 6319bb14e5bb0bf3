/**
 * `google.rpc.Status { int32 code = 1; string message = 2; }` in protobuf: the OTLP/HTTP spec asks for
 * it as the body of a failed protobuf request. Two fields, so written by hand.
 */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const text = Buffer.from(message, 'utf8');
  const out: number[] = [];
  const varint = (n: number) => {
    let v = n >>> 0;
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
  };
  if (code !== 0) {
    out.push(0x08);
    varint(code);
  }
  out.push(0x12);
  varint(text.length);
  const head = Uint8Array.from(out);
  const body = new Uint8Array(head.length + text.length);
  body.set(head, 0);
  body.set(text, head.length);
  return body;
}
