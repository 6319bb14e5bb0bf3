/**
 * Cuts the strings of a record that are stored in their own columns and listed, grouped and filtered
 * on (names, service, scope, model, session, user, agent, tool…) to `limits.maxNameBytes`, and the
 * status message to `limits.maxAttributeValueBytes`. A 1,000,000-character span name once made one
 * trace list answer 43 MB; now no indexed string is longer than the limit plus the
 * `…[truncated N bytes]` marker. A record that lost part of a field says so in its attributes:
 * `witness.truncated: true` (searchable: `attr.witness.truncated=true`) and
 * `witness.truncated.fields`, the list of fields cut.
 */
import type { Attributes, LogRecord, SpanRecord } from '../model/index.js';
import type { DecodeLimits } from './errors.js';
import { truncateString } from './truncate-value.js';

/** `true` on a span or log one of whose fields was cut. */
export const TRUNCATED_ATTRIBUTE = 'witness.truncated';
/** The fields of that span or log that were cut (a string array). */
export const TRUNCATED_FIELDS_ATTRIBUTE = 'witness.truncated.fields';

/**
 * `truncateString` remembering its last answer: the service, scope, session and user of a batch are
 * the same string on many records, so a long one is cut once, not once per record.
 */
class Cutter {
  private lastIn: string | null = null;
  private lastOut = '';
  constructor(private readonly maxBytes: number) {}
  cut(s: string): string {
    if (s === this.lastIn) return this.lastOut;
    const out = truncateString(s, this.maxBytes);
    this.lastIn = s;
    this.lastOut = out;
    return out;
  }
}

function noteCut(attributes: Attributes, field: string): void {
  attributes[TRUNCATED_ATTRIBUTE] = true;
  const prior = attributes[TRUNCATED_FIELDS_ATTRIBUTE];
  if (Array.isArray(prior)) {
    if (!prior.includes(field)) prior.push(field);
  } else attributes[TRUNCATED_FIELDS_ATTRIBUTE] = [field];
}

type StringField<T> = { [K in keyof T]: T[K] extends string | null ? K : never }[keyof T] & string;

function fit<T extends { attributes: Attributes }>(record: T, field: StringField<T>, cutter: Cutter): void {
  const value = record[field] as string | null;
  if (value === null) return;
  const cut = cutter.cut(value);
  if (cut === value) return;
  (record as Record<string, unknown>)[field] = cut;
  noteCut(record.attributes, field);
}

/** Cuts a batch of decoded spans' names, service, scope, status message and event names, in place. */
export function boundSpans(spans: SpanRecord[], limits: DecodeLimits): void {
  const name = new Cutter(limits.maxNameBytes);
  const service = new Cutter(limits.maxNameBytes);
  const scopeName = new Cutter(limits.maxNameBytes);
  const scopeVersion = new Cutter(limits.maxNameBytes);
  const status = new Cutter(limits.maxAttributeValueBytes);
  for (const span of spans) {
    fit(span, 'name', name);
    fit(span, 'serviceName', service);
    fit(span, 'scopeName', scopeName);
    fit(span, 'scopeVersion', scopeVersion);
    fit(span, 'statusMessage', status);
    for (const event of span.events) {
      const cut = name.cut(event.name);
      if (cut !== event.name) {
        event.name = cut;
        noteCut(span.attributes, 'events.name');
      }
    }
  }
}

/** Cuts a batch of decoded logs' service, scope and severity text, in place. */
export function boundLogs(logs: LogRecord[], limits: DecodeLimits): void {
  const service = new Cutter(limits.maxNameBytes);
  const scopeName = new Cutter(limits.maxNameBytes);
  const severity = new Cutter(limits.maxNameBytes);
  for (const log of logs) {
    fit(log, 'serviceName', service);
    fit(log, 'scopeName', scopeName);
    fit(log, 'severityText', severity);
  }
}

/**
 * Cuts the agent fields the normalizer derived from attributes (model, provider, session, user, agent,
 * tool), in place. Attribute values are already cut to `maxAttributeValueBytes` at decode; these become
 * indexed columns and trace-summary sets, so they get the tighter name limit. Run after normalizing.
 */
export function boundDerivedFields(spans: SpanRecord[], limits: DecodeLimits): void {
  const cutters = {
    model: new Cutter(limits.maxNameBytes),
    provider: new Cutter(limits.maxNameBytes),
    sessionId: new Cutter(limits.maxNameBytes),
    userId: new Cutter(limits.maxNameBytes),
    agentName: new Cutter(limits.maxNameBytes),
    toolName: new Cutter(limits.maxNameBytes),
  };
  for (const span of spans) {
    fit(span, 'model', cutters.model);
    fit(span, 'provider', cutters.provider);
    fit(span, 'sessionId', cutters.sessionId);
    fit(span, 'userId', cutters.userId);
    fit(span, 'agentName', cutters.agentName);
    fit(span, 'toolName', cutters.toolName);
  }
}
