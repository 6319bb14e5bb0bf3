/**
 * A tiny options validator (the SDK stays dependency-light: `@opentelemetry/api` is its one runtime
 * dependency). It reports unknown keys with the closest known key and values of the wrong type with
 * what was expected, as sentences a user can act on.
 */

export interface Field {
  /** What a valid value is, in words: "a positive integer", "`gzip` or `none`". */
  expect: string;
  ok: (v: unknown) => boolean;
  required?: boolean;
  /** A nested options object, checked key by key when `ok` accepted an object. */
  shape?: Shape;
}

export interface Shape {
  fields: Record<string, Field>;
  /** Keys users reach for that mean something else: key → the advice after "did you mean". */
  hints?: Record<string, string>;
}

/** Thrown by setup calls (`init()`, `new Witness()`, the client wrappers) for options they cannot use. */
export class WitnessConfigError extends TypeError {
  readonly problems: readonly string[];
  constructor(where: string, problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Witness ${where}: ${problems[0]}`
        : `Witness ${where}: ${problems.length} problems in the options:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'WitnessConfigError';
    this.problems = problems;
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem with `value` against `shape`; an empty array when it is fine. */
export function problemsOf(value: unknown, shape: Shape, path = ''): string[] {
  const out: string[] = [];
  collect(value, shape, path, out);
  return out;
}

function collect(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (!isPlainObject(value)) {
    out.push(`${path ? `option \`${path}\`` : 'options'} must be an object, got ${describe(value)}`);
    return;
  }
  for (const key of Object.keys(value)) {
    const field = shape.fields[key];
    const v = value[key];
    if (field === undefined) {
      out.push(`unknown option \`${path}${key}\` — ${suggestion(key, shape, path)}`);
    } else if (v !== undefined && !field.ok(v)) {
      out.push(`option \`${path}${key}\` must be ${field.expect}, got ${describe(v)}`);
    } else if (v !== undefined && field.shape !== undefined && isPlainObject(v)) {
      collect(v, field.shape, `${path}${key}.`, out);
    }
  }
  for (const [key, field] of Object.entries(shape.fields))
    if (field.required && value[key] === undefined)
      out.push(`option \`${path}${key}\` is required (${field.expect})`);
}

/** "did you mean `x`?" from the hints, then the closest key here or one level down, else the list. */
function suggestion(key: string, shape: Shape, path: string): string {
  const hint = shape.hints?.[key];
  if (hint !== undefined) return hint;
  const candidates: Array<[leaf: string, full: string]> = [];
  for (const [name, field] of Object.entries(shape.fields)) {
    candidates.push([name, `${path}${name}`]);
    if (field.shape)
      for (const sub of Object.keys(field.shape.fields)) candidates.push([sub, `${path}${name}.${sub}`]);
  }
  const k = normalize(key);
  const limit = k.length <= 3 ? 1 : k.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const [leaf, full] of candidates) {
    const d = levenshtein(k, normalize(leaf));
    if (d < bestDistance) {
      best = full;
      bestDistance = d;
    }
  }
  if (best !== undefined) return `did you mean \`${best}\`?`;
  const known = Object.keys(shape.fields).map((n) => `\`${path}${n}\``);
  return `known options: ${known.join(', ')}`;
}

const normalize = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** A short rendering of a bad value for a message (never the whole of a large one). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

/** Setup calls: throw every problem at once, synchronously (a configuration error is a bug to fix now). */
export function assertOptions(where: string, value: unknown, shape: Shape): void {
  const problems = problemsOf(value, shape);
  if (problems.length > 0) throw new WitnessConfigError(where, problems);
}

const warned = new Set<string>();
/** Bound on remembered warnings: a program generating endless distinct bad keys cannot grow memory. */
const MAX_WARNED = 256;

/**
 * Per-call helpers: the telemetry path never throws into the host, so a bad option is reported once
 * per (helper, problem) on the console and the call goes on with what it understood.
 */
export function warnOptions(where: string, value: unknown, shape: Shape): void {
  // fast path for the common, valid call: no allocation (a few hundred ns at most on a loaded machine)
  if (isPlainObject(value) && quickOk(value, shape)) return;
  for (const problem of problemsOf(value, shape))
    warnOnce(`Witness ${where}: ${problem} (ignored; the call goes on)`);
}

export function warnOnce(message: string): void {
  if (warned.has(message) || warned.size >= MAX_WARNED) return;
  warned.add(message);
  console.warn(message);
}

function quickOk(value: Record<string, unknown>, shape: Shape): boolean {
  for (const key in value) {
    const field = shape.fields[key];
    if (field === undefined) return false;
    const v = value[key];
    if (v === undefined) continue;
    if (!field.ok(v)) return false;
    if (field.shape !== undefined && isPlainObject(v) && !quickOk(v, field.shape)) return false;
  }
  for (const key in shape.fields) if (shape.fields[key].required && value[key] === undefined) return false;
  return true;
}
