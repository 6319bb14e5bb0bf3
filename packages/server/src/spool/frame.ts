/**
 * The spool's on-disk record framing: a 16-byte header — payload length (u32 LE), CRC-32 (u32 LE) of
 * the time and payload, the time the batch was accepted (f64 LE, epoch ms) — then the payload. A crash
 * mid-write leaves a torn tail: a header or payload cut short, or bytes whose checksum does not match.
 * Reading stops at the first such frame; everything before it is whole.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 16;
/** A payload longer than this is a torn length field, not a batch (requests are far smaller). */
const MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

/** The frame of one payload, as two buffers (header, payload) for one writev. */
export function frame(payload: Uint8Array, acceptedAtMs: number): [Buffer, Buffer] {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeDoubleLE(acceptedAtMs, 8);
  const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  header.writeUInt32LE(crc32(body, crc32(header.subarray(8, 16))), 4);
  return [header, body];
}

export interface FrameRef {
  /** Offset of the frame's header in the file. */
  offset: number;
  /** Whole frame: header + payload. */
  bytes: number;
  acceptedAtMs: number;
}

/** Whole frames from the start of `bytes`, and how many bytes they span (the rest is a torn tail). */
export function readFrames(bytes: Buffer): { frames: FrameRef[]; validBytes: number } {
  const frames: FrameRef[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    if (length === 0 || length > MAX_PAYLOAD_BYTES) break;
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) break;
    const expected = bytes.readUInt32LE(at + 4);
    const actual = crc32(
      bytes.subarray(at + FRAME_HEADER_BYTES, end),
      crc32(bytes.subarray(at + 8, at + 16)),
    );
    if (actual !== expected) break;
    frames.push({ offset: at, bytes: end - at, acceptedAtMs: bytes.readDoubleLE(at + 8) });
    at = end;
  }
  return { frames, validBytes: at };
}

/** The payload of a frame read back from disk, checked again (the disk may have changed since open). */
export function payloadOf(frameBytes: Buffer): Buffer {
  const { frames } = readFrames(frameBytes);
  if (frames.length !== 1 || frames[0].bytes !== frameBytes.length)
    throw new Error('spool frame failed its checksum on re-read');
  return frameBytes.subarray(FRAME_HEADER_BYTES);
}
