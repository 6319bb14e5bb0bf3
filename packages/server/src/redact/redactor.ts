/**
 * The redaction stage: runs in the ingest pipeline after normalize and before the store, the audit log,
 * the derived metrics and any exporter, so none of them ever holds the original values. It rewrites
 * span and log records in place.
 *
 * What is scanned: free text — span name, status message, input/output, decision rationale, every
 * string attribute (nested in arrays and maps too) of the span, its events and links and its resource,
 * log bodies and log attributes. What is not: identity fields (user and session ids, which analytics
 * join on) — they are kept, or HMAC'd as a whole with `identity: 'hash'` — and ids (trace, span).
 */
import { createHmac } from 'node:crypto';
import type { AttrValue, Attributes, LogRecord, SpanRecord } from '../model/index.js';
import { type CustomDetectorSpec, customDetector } from './custom-detector.js';
import { BUILTIN_DETECTORS, type BuiltinDetectorName, builtinDetector, type Detector } from './detectors.js';

export type RedactAction = 'mask' | 'hash' | 'drop';
export type AttributeRule = 'scan' | 'skip' | 'hash' | 'drop';

export interface RedactorOptions {
  /** Built-in detectors by name; those absent keep their default (on, mask; `ip` off). */
  detectors?: Partial<Record<BuiltinDetectorName, { enabled?: boolean; action?: RedactAction }>>;
  custom?: Array<CustomDetectorSpec & { action?: RedactAction }>;
  /** Per attribute key; identity keys default to `skip`. */
  attributes?: Record<string, AttributeRule>;
  /** @default 'keep' */
  identity?: 'keep' | 'hash';
  /** HMAC key of the hash actions; required when any of them is configured. */
  hashKey?: Buffer | null;
  /** @default 16384 */
  customMaxChars?: number;
}

/**
 * Keys that carry identities in the conventions normalize reads — user and session ids (analytics join
 * on them) and the governance actor (the audit trail must say who acted): never scanned.
 */
export const IDENTITY_KEYS: readonly string[] = [
  'witness.governance.actor',
  'witness.session.id',
  'witness.user.id',
  'session.id',
  'user.id',
  'enduser.id',
  'gen_ai.conversation.id',
  'langfuse.session.id',
  'langfuse.user.id',
  'traceloop.association.properties.session_id',
  'traceloop.association.properties.sessionId',
  'traceloop.association.properties.conversation_id',
  'traceloop.association.properties.chat_id',
  'traceloop.association.properties.user_id',
  'traceloop.association.properties.userId',
  'ai.telemetry.metadata.sessionId',
  'ai.telemetry.metadata.session_id',
  'ai.telemetry.metadata.userId',
  'ai.telemetry.metadata.user_id',
];

/** Marks a text whose detector action is `drop`: the caller removes the value that holds it. */
const DROP = Symbol('drop');
/** Shorter texts hold no value any detector finds (the shortest, an IPv4 `1.1.1.1`, has 7). */
const MIN_LENGTH = 7;
/** Values shorter than this are pre-read in JS (digits, '@'); longer ones would cost more to read than native pre-checks. */
const SHORT = 64;

interface ActiveDetector {
  detector: Detector;
  action: RedactAction;
  mask: string;
}

export class Redactor {
  private readonly active: ActiveDetector[] = [];
  /** Findings per detector since start (for witness_redactions_total). */
  readonly counts: Record<string, number> = {};
  private readonly attributeRules = new Map<string, AttributeRule>();
  private readonly identity: 'keep' | 'hash';
  private readonly hashKey: Buffer | null;
  private readonly hits: number[] = [];
  /** Resources are shared by the spans of one batch: each is redacted once. */
  private readonly doneResources = new WeakSet<Attributes>();

  constructor(options: RedactorOptions = {}) {
    for (const name of BUILTIN_DETECTORS) {
      const setting = options.detectors?.[name];
      if (!(setting?.enabled ?? name !== 'ip')) continue;
      const detector = builtinDetector(name);
      this.active.push({ detector, action: setting?.action ?? 'mask', mask: `<${detector.label}>` });
    }
    for (const spec of options.custom ?? []) {
      const detector = customDetector(spec, options.customMaxChars ?? 16_384);
      this.active.push({ detector, action: spec.action ?? 'mask', mask: `<${detector.label}>` });
    }
    for (const a of this.active) this.counts[a.detector.name] = 0;
    for (const key of IDENTITY_KEYS) this.attributeRules.set(key, 'skip');
    for (const [key, rule] of Object.entries(options.attributes ?? {})) this.attributeRules.set(key, rule);
    this.identity = options.identity ?? 'keep';
    this.hashKey = options.hashKey ?? null;
    if (!this.hashKey && Redactor.needsHashKey(options))
      throw new Error('redaction: a hash action is configured but no HMAC key was given');
  }

  /** Whether these options use a keyed hash anywhere (then the caller must supply `hashKey`). */
  static needsHashKey(options: RedactorOptions): boolean {
    return (
      options.identity === 'hash' ||
      Object.values(options.detectors ?? {}).some((d) => d?.action === 'hash') ||
      (options.custom ?? []).some((c) => c.action === 'hash') ||
      Object.values(options.attributes ?? {}).includes('hash')
    );
  }

  get detectorNames(): string[] {
    return this.active.map((a) => a.detector.name);
  }

  /** HMAC-SHA256 of a value, 16 hex characters: equal inputs stay equal (joinable), the value is not readable. */
  hash(value: string): string {
    return createHmac('sha256', this.hashKey!).update(value).digest('hex').slice(0, 16);
  }

  /** What the detectors find in `text` after overlaps are resolved (for tests, the bench and `witness policy test`). */
  findings(text: string): Array<{ detector: string; start: number; end: number; value: string }> {
    const hits = this.hits;
    hits.length = 0;
    if (text.length < MIN_LENGTH) return [];
    this.collect(text, hits);
    const found: Array<{ detector: string; start: number; end: number; value: string }> = [];
    let at = 0;
    for (const i of this.ordered(hits)) {
      const start = hits[i * 3]!;
      const end = hits[i * 3 + 1]!;
      if (start < at || end <= start) continue;
      found.push({
        detector: this.active[hits[i * 3 + 2]!]!.detector.name,
        start,
        end,
        value: text.slice(start, end),
      });
      at = end;
    }
    return found;
  }

  /** The text with every finding replaced, or the text itself when nothing was found. */
  redactText(text: string): string {
    const out = this.redactOrDrop(text);
    return out === DROP ? '' : out;
  }

  private redactOrDrop(text: string): string | typeof DROP {
    if (text.length < MIN_LENGTH) return text;
    const hits = this.hits;
    hits.length = 0;
    this.collect(text, hits);
    if (hits.length === 0) return text;
    return this.apply(text, hits);
  }

  private collect(text: string, hits: number[]): void {
    const active = this.active;
    const length = text.length;
    // a short value (most attributes) is read once here for its digits and '@', so detectors that need
    // more of them are not called at all; a long one is left to each detector's own native pre-check
    let digits = -1;
    let at = false;
    if (length < SHORT) {
      digits = 0;
      for (let i = 0; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 48 && c <= 57) digits++;
        else if (c === 64) at = true;
      }
    }
    // hits: start, end, detector index — found per detector, then ordered and de-overlapped
    for (let d = 0; d < active.length; d++) {
      const detector = active[d]!.detector;
      const needs = detector.needs;
      if (needs !== undefined) {
        if (length < needs.minLength) continue;
        if (digits >= 0 && (digits < needs.minDigits || (needs.at === true && !at))) continue;
      }
      const before = hits.length;
      detector.find(text, hits);
      if (hits.length === before) continue;
      // widen pairs to triples in place, from the back
      const pairs = (hits.length - before) / 2;
      hits.length = before + pairs * 3;
      for (let p = pairs - 1; p >= 0; p--) {
        hits[before + p * 3 + 2] = d;
        hits[before + p * 3 + 1] = hits[before + p * 2 + 1]!;
        hits[before + p * 3] = hits[before + p * 2]!;
      }
    }
  }

  private ordered(hits: number[]): number[] {
    const n = hits.length / 3;
    const order = Array.from({ length: n }, (_, i) => i);
    if (n > 1)
      order.sort(
        (a, b) =>
          hits[a * 3]! - hits[b * 3]! ||
          hits[b * 3 + 1]! - hits[b * 3]! - (hits[a * 3 + 1]! - hits[a * 3]!) ||
          hits[a * 3 + 2]! - hits[b * 3 + 2]!,
      );
    return order;
  }

  /** Earliest start wins, then the longest, then the detector listed first; overlapping later hits go. */
  private apply(text: string, hits: number[]): string | typeof DROP {
    const order = this.ordered(hits);
    let result = '';
    let at = 0;
    for (const i of order) {
      const start = hits[i * 3]!;
      const end = hits[i * 3 + 1]!;
      if (start < at || end <= start) continue;
      const a = this.active[hits[i * 3 + 2]!]!;
      this.counts[a.detector.name]!++;
      if (a.action === 'drop') return DROP;
      result += text.slice(at, start);
      result += a.action === 'hash' ? `<${a.detector.label}:${this.hash(text.slice(start, end))}>` : a.mask;
      at = end;
    }
    return result + text.slice(at);
  }

  /** Redacts one attribute value: strings in place of strings, arrays and maps walked. */
  private value(v: AttrValue): AttrValue | typeof DROP {
    if (typeof v === 'string') return this.redactOrDrop(v);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = this.value(v[i]!);
        if (r === DROP) return DROP;
        v[i] = r;
      }
      return v;
    }
    return this.attributes(v) ? v : DROP;
  }

  /** Redacts a map of attributes in place; false when a nested map must itself be dropped. */
  private attributes(attrs: Attributes, memo?: string[]): boolean {
    for (const key in attrs) {
      const v = attrs[key]!;
      const rule = this.attributeRules.get(key);
      if (rule !== undefined) {
        if (rule === 'skip') {
          if (this.identity === 'hash' && typeof v === 'string' && IDENTITY_KEYS.includes(key))
            attrs[key] = this.hash(v);
          continue;
        }
        if (rule === 'drop') {
          delete attrs[key];
          continue;
        }
        if (rule === 'hash') {
          attrs[key] = this.hash(typeof v === 'string' ? v : JSON.stringify(v));
          continue;
        }
      }
      if (typeof v === 'string') {
        if (v.length < MIN_LENGTH) continue;
        const r = this.redactOrDrop(v);
        if (r === DROP) delete attrs[key];
        else {
          if (r !== v) attrs[key] = r;
          // input/output usually are one of these strings: remember the answer rather than scan twice
          // (pairs in an array, compared with ===: a Map would hash every 2 KB key, which costs more)
          if (memo !== undefined && v.length >= 64 && memo.length < 16) memo.push(v, r);
        }
      } else if (v !== null && typeof v === 'object') {
        const r = this.value(v);
        if (r === DROP) delete attrs[key];
      }
    }
    return true;
  }

  private text(s: string | null, memo: string[] | null): string | null {
    if (s === null || s.length < MIN_LENGTH) return s;
    if (memo !== null) for (let i = 0; i < memo.length; i += 2) if (memo[i] === s) return memo[i + 1]!;
    const r = this.redactOrDrop(s);
    return r === DROP ? null : r;
  }

  /** Reused by every span: raw value, redacted value, … */
  private readonly memo: string[] = [];

  redactSpan(span: SpanRecord): void {
    const memo = this.memo;
    memo.length = 0;
    this.attributes(span.attributes, memo);
    if (!this.doneResources.has(span.resource)) {
      this.attributes(span.resource);
      this.doneResources.add(span.resource);
    }
    span.name = this.text(span.name, null) ?? '<DROPPED>';
    if (span.statusMessage.length > 0) span.statusMessage = this.text(span.statusMessage, null) ?? '';
    span.input = this.text(span.input, memo);
    span.output = this.text(span.output, memo);
    // derived names were read from attributes before they were redacted: scan them too
    if (span.agentName !== null) span.agentName = this.text(span.agentName, null);
    if (span.toolName !== null) span.toolName = this.text(span.toolName, null);
    if (span.decision) {
      span.decision.rationale = this.text(span.decision.rationale, null);
      span.decision.choice = this.text(span.decision.choice, null);
    }
    for (const event of span.events) {
      event.name = this.text(event.name, null) ?? '<DROPPED>';
      this.attributes(event.attributes);
    }
    for (const link of span.links) this.attributes(link.attributes);
    if (this.identity === 'hash') {
      if (span.userId !== null) span.userId = this.hash(span.userId);
      if (span.sessionId !== null) span.sessionId = this.hash(span.sessionId);
      if (span.governance?.actor) span.governance.actor = this.hash(span.governance.actor);
    }
  }

  redactLog(log: LogRecord): void {
    log.body = this.text(log.body, null) ?? '';
    this.attributes(log.attributes);
    if (!this.doneResources.has(log.resource)) {
      this.attributes(log.resource);
      this.doneResources.add(log.resource);
    }
  }

  redactSpans(spans: readonly SpanRecord[]): void {
    for (let i = 0; i < spans.length; i++) this.redactSpan(spans[i]!);
  }

  redactLogs(logs: readonly LogRecord[]): void {
    for (let i = 0; i < logs.length; i++) this.redactLog(logs[i]!);
  }
}
