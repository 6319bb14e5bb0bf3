/**
 * Appender rows for spans and their per-batch trace parts. This is the ingest hot path: one pass over
 * the spans, one Appender call per column, no intermediate objects besides the per-trace aggregates.
 * The append order must match `CREATE TABLE spans` / `trace_parts` in schema.ts.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import type { SpanRecord } from '../../model/index.js';
import { encodeAttributes, encodeEvents, encodeLinks } from './json-columns.js';
import { SET_SEPARATOR } from './schema.js';

function appendText(a: DuckDBAppender, v: string | null): void {
  if (v === null || v === undefined) a.appendNull();
  else a.appendVarchar(v);
}

function appendNumber(a: DuckDBAppender, v: number | null): void {
  if (v === null || v === undefined || !Number.isFinite(v)) a.appendNull();
  else a.appendDouble(v);
}

/** Partial aggregates of one trace within one flushed group of batches. */
interface TracePart {
  project: string;
  traceId: string;
  start: bigint;
  end: bigint;
  spans: number;
  errors: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
  cost: number | null;
  rootName: string | null;
  rootService: string | null;
  firstName: string;
  firstService: string;
  sessionId: string | null;
  userId: string | null;
  services: Set<string>;
  kinds: Set<string>;
  agents: Set<string>;
  models: Set<string>;
}

/**
 * JSON text of resources already written in this group: every span of a ResourceSpans shares one
 * resource object (the decoder hands out the same reference), so it is stringified once, not per span.
 */
export type ResourceTexts = Map<object, string>;

function resourceText(s: SpanRecord, cache: ResourceTexts | undefined): string {
  if (cache === undefined) return encodeAttributes(s.resource);
  let text = cache.get(s.resource);
  if (text === undefined) {
    text = encodeAttributes(s.resource);
    cache.set(s.resource, text);
  }
  return text;
}

/** One span row; pass the same `resources` map for the spans of one group (not across groups). */
export function appendSpanRow(
  a: DuckDBAppender,
  s: SpanRecord,
  project: string,
  resources?: ResourceTexts,
): void {
  a.appendVarchar(s.traceId);
  a.appendVarchar(s.spanId);
  appendText(a, s.parentSpanId);
  a.appendVarchar(s.name);
  a.appendVarchar(s.serviceName);
  a.appendInteger(s.spanKind | 0);
  a.appendVarchar(s.kind);
  a.appendBigInt(s.startTimeUnixNano);
  a.appendBigInt(s.endTimeUnixNano);
  a.appendVarchar(s.statusCode);
  a.appendVarchar(s.statusMessage);
  a.appendVarchar(encodeAttributes(s.attributes));
  a.appendVarchar(resourceText(s, resources));
  a.appendVarchar(s.scopeName);
  a.appendVarchar(s.scopeVersion);
  a.appendVarchar(encodeEvents(s.events));
  a.appendVarchar(encodeLinks(s.links));
  appendText(a, s.model);
  appendText(a, s.provider);
  appendNumber(a, s.inputTokens);
  appendNumber(a, s.outputTokens);
  appendNumber(a, s.cacheReadTokens);
  appendNumber(a, s.reasoningTokens);
  appendNumber(a, s.costUsd);
  appendText(a, s.sessionId);
  appendText(a, s.userId);
  appendText(a, s.agentName);
  appendText(a, s.toolName);
  if (s.sideEffect === null || s.sideEffect === undefined) a.appendNull();
  else a.appendBoolean(s.sideEffect);
  appendText(a, s.input);
  appendText(a, s.output);
  appendText(a, s.decision ? JSON.stringify(s.decision) : null);
  appendText(a, s.governance ? JSON.stringify(s.governance) : null);
  a.appendVarchar(project);
  a.endRow();
}

/**
 * Fold one span into the per-trace parts of the group being flushed. A group mixes batches of
 * several projects, so parts are keyed by (project, trace id): the same trace id in two projects is
 * two traces.
 */
export function addToParts(parts: Map<string, TracePart>, s: SpanRecord, project: string): void {
  // A span ending before it starts still has to fall inside [start, end] for getTrace's range.
  // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigint
  const end = s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano : s.startTimeUnixNano;
  const tokens = (s.inputTokens ?? 0) + (s.outputTokens ?? 0);
  const key = `${project}/${s.traceId}`;
  let p = parts.get(key);
  if (p === undefined) {
    p = {
      project,
      traceId: s.traceId,
      start: s.startTimeUnixNano,
      end,
      spans: 0,
      errors: 0,
      tokens: 0,
      inputTokens: 0,
      outputTokens: 0,
      llmCalls: 0,
      cost: null,
      rootName: null,
      rootService: null,
      firstName: s.name,
      firstService: s.serviceName,
      sessionId: null,
      userId: null,
      services: new Set(),
      kinds: new Set(),
      agents: new Set(),
      models: new Set(),
    };
    parts.set(key, p);
  } else {
    if (s.startTimeUnixNano < p.start) {
      p.start = s.startTimeUnixNano;
      p.firstName = s.name;
      p.firstService = s.serviceName;
    }
    if (end > p.end) p.end = end;
  }
  p.spans++;
  if (s.statusCode === 'error') p.errors++;
  if (Number.isFinite(tokens)) p.tokens += tokens;
  // what the spans table holds: a non-finite count is stored as NULL (appendNumber), so it sums as 0
  if (s.inputTokens !== null && Number.isFinite(s.inputTokens)) p.inputTokens += s.inputTokens;
  if (s.outputTokens !== null && Number.isFinite(s.outputTokens)) p.outputTokens += s.outputTokens;
  if (s.kind === 'llm') p.llmCalls++;
  if (s.costUsd !== null && Number.isFinite(s.costUsd)) p.cost = (p.cost ?? 0) + s.costUsd;
  if (s.parentSpanId === null) {
    p.rootName = s.name;
    p.rootService = s.serviceName;
  }
  if (s.sessionId !== null && p.sessionId === null) p.sessionId = s.sessionId;
  if (s.userId !== null && p.userId === null) p.userId = s.userId;
  p.services.add(s.serviceName);
  p.kinds.add(s.kind);
  if (s.agentName !== null) p.agents.add(s.agentName);
  if (s.model !== null) p.models.add(s.model);
}

function setText(values: Set<string>): string {
  if (values.size === 0) return '';
  let out = SET_SEPARATOR;
  for (const v of values) out += v + SET_SEPARATOR;
  return out;
}

/** The parameter that tests "the set holds v" with `contains(x_set, ?)`. */
export function setMember(value: string): string {
  return SET_SEPARATOR + value + SET_SEPARATOR;
}

/** `seq`: the commit group's number, which the rollups fold by (rollups.ts). */
export function appendPartRows(a: DuckDBAppender, parts: Map<string, TracePart>, seq: bigint): void {
  for (const p of parts.values()) {
    a.appendVarchar(p.traceId);
    a.appendBigInt(p.start);
    a.appendBigInt(p.end);
    a.appendInteger(p.spans);
    a.appendInteger(p.errors);
    a.appendDouble(p.tokens);
    appendNumber(a, p.cost);
    appendText(a, p.rootName);
    appendText(a, p.rootService);
    a.appendVarchar(p.firstName);
    a.appendVarchar(p.firstService);
    appendText(a, p.sessionId);
    appendText(a, p.userId);
    a.appendVarchar(setText(p.services));
    a.appendVarchar(setText(p.kinds));
    a.appendVarchar(setText(p.agents));
    a.appendVarchar(setText(p.models));
    a.appendVarchar(p.project);
    a.appendDouble(p.inputTokens);
    a.appendDouble(p.outputTokens);
    a.appendInteger(p.llmCalls);
    a.appendBigInt(seq);
    a.endRow();
  }
}

export type { TracePart };
