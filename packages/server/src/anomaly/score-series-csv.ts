import { AnomalyDetector, type AnomalyDetectorOptions } from './anomaly-detector.js';

/** A bad input file: the message names the line and what was wrong with it. */
export class SeriesCsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'SeriesCsvError';
  }
}

const HEADER = 'timestamp,value';
const OUT_HEADER = 'timestamp,value,anomaly_score\n';
/**
 * A clock may repeat an hour (daylight saving, a logger's restart): NAB's own
 * machine_temperature_system_failure.csv steps back 55 minutes once. Such rows are scored in
 * file order; a larger step back means the file is not in time order and is refused.
 */
const MAX_CLOCK_STEP_BACK_MS = 3_600_000;
const SCORE_DIGITS = 12; // NAB's own result files carry 12 significant digits
const NL = 10;
const CR = 13;
const COMMA = 44;

/**
 * Score a CSV `timestamp,value` (NAB's format: `YYYY-MM-DD HH:MM:SS`, oldest first) and return
 * `timestamp,value,anomaly_score`: one row per input row, timestamp and value copied byte for byte,
 * score in [0, 1] with 12 decimals from one streaming AnomalyDetector. Throws SeriesCsvError on a
 * missing header, a bad timestamp or number, or a timestamp more than an hour earlier than one
 * before it.
 *
 * Bytes in, bytes out: `witness anomaly score` must keep up with 1M points/s, and per-row strings
 * cost more than the detector itself (bench:anomaly).
 */
export function scoreSeriesCsv(input: Uint8Array, options: AnomalyDetectorOptions = {}): Uint8Array {
  const detector = new AnomalyDetector(options);
  const n = input.length;
  // A valid row has at least 21 bytes + newline and gains at most 15 (",0." + 12 digits): the
  // output never needs more than twice the input (the header included).
  const out = new Uint8Array(2 * n + OUT_HEADER.length);
  let w = new TextEncoder().encodeInto(OUT_HEADER, out).written;

  let pos = 0;
  if (n >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) pos = 3; // UTF-8 BOM
  let lineNo = 1;
  let end = lineEnd(input, pos);
  const header = text(input, pos, trimCr(input, pos, end));
  if (header.trim() !== HEADER) {
    if (pos >= n) throw new SeriesCsvError(1, `empty file: expected the header "${HEADER}"`);
    throw new SeriesCsvError(1, `expected the header "${HEADER}", found "${clip(header)}"`);
  }
  pos = end + 1;
  const clock = new TimestampReader();
  let prevTime = Number.NEGATIVE_INFINITY;
  while (pos < n) {
    lineNo++;
    // one pass over the row: its end and its comma(s)
    const start = pos;
    let comma = -1;
    let commas = 0;
    let i = start;
    for (; i < n; i++) {
      const c = input[i];
      if (c === NL) break;
      if (c === COMMA) {
        if (commas++ === 0) comma = i;
      }
    }
    end = i;
    const stop = trimCr(input, start, end);
    pos = end + 1;
    if (commas > 1) {
      throw new SeriesCsvError(
        lineNo,
        `expected two fields "timestamp,value", found "${clip(text(input, start, stop))}"`,
      );
    }
    if (comma < 0) {
      if (text(input, start, stop).trim() === '') {
        if (text(input, pos, n).trim() === '') break; // trailing blank lines
        throw new SeriesCsvError(lineNo, 'empty line inside the data');
      }
      throw new SeriesCsvError(
        lineNo,
        `expected two fields "timestamp,value", found "${clip(text(input, start, stop))}"`,
      );
    }
    const time = clock.read(input, start, comma);
    if (Number.isNaN(time)) {
      throw new SeriesCsvError(
        lineNo,
        `bad timestamp "${clip(text(input, start, comma))}" (expected YYYY-MM-DD HH:MM:SS)`,
      );
    }
    if (time < prevTime - MAX_CLOCK_STEP_BACK_MS) {
      throw new SeriesCsvError(
        lineNo,
        `timestamp ${text(input, start, comma)} is more than an hour earlier than a row before it: rows must be in time order`,
      );
    }
    if (time > prevTime) prevTime = time;
    const value = readNumber(input, comma + 1, stop);
    if (!Number.isFinite(value))
      throw new SeriesCsvError(lineNo, `bad number "${clip(text(input, comma + 1, stop))}"`);
    const score = detector.update(value, time);
    for (let j = start; j < stop; j++) out[w++] = input[j]; // rows are short: no subarray object per row
    out[w++] = COMMA;
    w = writeScore(out, w, score);
    out[w++] = NL;
  }
  return out.subarray(0, w);
}

function lineEnd(b: Uint8Array, from: number): number {
  const i = b.indexOf(NL, from);
  return i < 0 ? b.length : i;
}

function trimCr(b: Uint8Array, start: number, end: number): number {
  return end > start && b[end - 1] === CR ? end - 1 : end;
}

/** Bytes as text, for the header, error messages and the rare slow paths. */
const UTF8 = new TextDecoder();
function text(b: Uint8Array, start: number, end: number): string {
  return UTF8.decode(b.subarray(start, end));
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** "0" or "0." and 12 decimals, or "1": no number → string conversion per row. */
function writeScore(out: Uint8Array, w: number, score: number): number {
  const m = Math.round(score * 1e12);
  if (m <= 0) {
    out[w] = 48;
    return w + 1;
  }
  if (m >= 1e12) {
    out[w] = 49;
    return w + 1;
  }
  out[w] = 48;
  out[w + 1] = 46;
  // two 6-digit halves, so the digit loop runs on int32 (a double % is several times slower)
  const high = Math.floor(m / 1e6);
  writeSixDigits(out, w + 2, high);
  writeSixDigits(out, w + 8, m - high * 1e6);
  return w + 2 + SCORE_DIGITS;
}

function writeSixDigits(out: Uint8Array, w: number, value: number): void {
  let v = value | 0;
  for (let i = w + 5; i >= w; i--) {
    const q = (v / 10) | 0;
    out[i] = 48 + v - q * 10;
    v = q;
  }
}

/**
 * A decimal number in b[start .. end): `-12.5`, `3e-4`, surrounding spaces allowed; NaN if it is
 * not one. Plain decimals with ≤ 15 significant digits are computed exactly as Number() would
 * (Clinger's fast path: both the integer mantissa and the power of ten are exact doubles); anything
 * else goes through Number().
 */
function readNumber(b: Uint8Array, start: number, end: number): number {
  while (start < end && b[start] === 32) start++;
  while (end > start && b[end - 1] === 32) end--;
  if (start === end) return Number.NaN; // Number('') would be 0
  let i = start;
  let negative = false;
  if (b[i] === 45 || b[i] === 43) negative = b[i++] === 45;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let seenDot = false;
  for (; i < end; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (seenDot) fraction++;
    } else if (c === 46 && !seenDot) seenDot = true;
    else break;
  }
  if (i === end && digits > 0 && digits <= 15 && fraction <= 22) {
    const v = fraction === 0 ? mantissa : mantissa / POW10[fraction];
    return negative ? -v : v;
  }
  return Number(text(b, start, end));
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Reads `YYYY-MM-DD HH:MM:SS` in place: rows of one day share the date, so Date.UTC runs once a
 * day, not once a row. Other lengths (fractional seconds) go through parseTimestamp.
 */
class TimestampReader {
  private dayKey = -1;
  private dayMs = 0;

  read(b: Uint8Array, from: number, to: number): number {
    if (to - from !== 19) return parseTimestamp(text(b, from, to));
    const y = digitsAt(b, from, 4);
    const mo = digitsAt(b, from + 5, 2);
    const d = digitsAt(b, from + 8, 2);
    const h = digitsAt(b, from + 11, 2);
    const mi = digitsAt(b, from + 14, 2);
    const sec = digitsAt(b, from + 17, 2);
    const sep = b[from + 10];
    if (
      b[from + 4] !== 45 ||
      b[from + 7] !== 45 ||
      (sep !== 32 && sep !== 84) ||
      b[from + 13] !== 58 ||
      b[from + 16] !== 58 ||
      !validFields(y, mo, d, h, mi, sec)
    ) {
      return Number.NaN;
    }
    const key = y * 10000 + mo * 100 + d;
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.dayMs = Date.UTC(y, mo - 1, d);
    }
    return this.dayMs + h * 3_600_000 + mi * 60_000 + sec * 1000;
  }
}

/** The decimal number in b[at .. at + n), or −1 if any byte is not a digit. */
function digitsAt(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function validFields(y: number, mo: number, d: number, h: number, mi: number, sec: number): boolean {
  return (
    y >= 0 &&
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= 31 &&
    h >= 0 &&
    h <= 23 &&
    mi >= 0 &&
    mi <= 59 &&
    sec >= 0 &&
    sec <= 60
  );
}

const TIMESTAMP = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*$/;

/** `YYYY-MM-DD HH:MM:SS[.fff]` read as UTC milliseconds; NaN if malformed or out of range. */
export function parseTimestamp(s: string): number {
  const m = TIMESTAMP.exec(s);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  if (!validFields(y, mo, d, h, mi, sec)) return Number.NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  return m[7] ? ms + Number(m[7]) * 1000 : ms;
}
