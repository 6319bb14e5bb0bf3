/**
 * Cutting an oversized string attribute value. The cut is at a UTF-8 character boundary at or below
 * the byte limit (never half a character, never a lone surrogate), followed by a marker naming the
 * original size, so a reader sees that the value was cut and by how much.
 */
export function truncationMarker(totalBytes: number): string {
  return `…[truncated ${totalBytes} bytes]`;
}

/** Length of the longest prefix of `bytes[start, start+maxBytes)` that ends on a character boundary. */
export function utf8PrefixLength(bytes: Uint8Array, start: number, maxBytes: number): number {
  let n = maxBytes;
  // 0b10xxxxxx is a continuation byte: step back to the first byte of the character being cut.
  while (n > 0 && (bytes[start + n] & 0xc0) === 0x80) n--;
  return n;
}

const MARKER_AT_END = /…\[truncated (\d+) bytes\]$/;

/**
 * `s` cut to at most `maxBytes` UTF-8 bytes plus the marker; `s` itself when it fits. A value that
 * was cut before (an attribute value becoming a shorter indexed field) keeps its original size in
 * the new marker.
 */
export function truncateString(s: string, maxBytes: number): string {
  // a JS string never takes fewer UTF-8 bytes than it has code units / 3, nor more than 3 per unit
  if (s.length * 3 <= maxBytes) return s;
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  const keep = utf8PrefixLength(bytes, 0, maxBytes);
  const earlier = MARKER_AT_END.exec(s);
  return bytes.toString('utf8', 0, keep) + truncationMarker(earlier ? Number(earlier[1]) : bytes.length);
}
