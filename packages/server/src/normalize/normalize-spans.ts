import type { AttrValue, Attributes, Decision, Governance, SpanKind, SpanRecord } from '../model/index.js';
import * as S from './attribute-slots.js';
import { costOfTokens, priceFor } from './cost.js';
import { addUsage, type LangfuseUsage, parseLangfuseCost, parseLangfuseUsage } from './langfuse-usage.js';
import {
  GENAI_OPERATION_KINDS,
  kindOf,
  LANGFUSE_KINDS,
  OPENINFERENCE_KINDS,
  TRACELOOP_KINDS,
  TRACELOOP_REQUEST_KINDS,
  WITNESS_KINDS,
} from './span-kind.js';
import { WITNESS_ATTR } from './witness-attributes.js';

/*
 * One scratch area reused for every span: `vals[slot]` holds the value of a known key when
 * `stamp[slot] === gen`. Bumping `gen` clears all slots at once, so no per-span allocation or reset loop.
 * Normalization is synchronous, so sharing the scratch is safe.
 */
const vals: (AttrValue | undefined)[] = new Array(S.SLOT_COUNT).fill(undefined);
const stamp = new Int32Array(S.SLOT_COUNT);
let gen = 0;

/** Legacy OpenLLMetry `gen_ai.prompt.<n>.<field>` / `gen_ai.completion.<n>.<field>` parts of one span. */
interface IndexedPart {
  index: number;
  field: string;
  value: AttrValue;
}
let promptParts: IndexedPart[] | null = null;
let completionParts: IndexedPart[] | null = null;
let lfFlatUsage: LangfuseUsage | null = null;
let lfFlatCostTotal: number | null = null;
let lfFlatCostSum: number | null = null;
let sawHttp = false;

const LEGACY_PROMPT = 'gen_ai.prompt.';
const LEGACY_COMPLETION = 'gen_ai.completion.';
const LF_USAGE_PREFIX = 'langfuse.observation.usage_details.';
const LF_COST_PREFIX = 'langfuse.observation.cost_details.';

function get(slot: number): AttrValue | undefined {
  return stamp[slot] === gen ? vals[slot] : undefined;
}

/** The single pass over a span's attribute keys. */
function collect(attrs: Attributes): void {
  gen = (gen + 1) | 0;
  if (gen === 0) {
    // Wrapped around after 2^32 spans: stale stamps could now look current.
    stamp.fill(-1);
    gen = 1;
  }
  promptParts = null;
  completionParts = null;
  lfFlatUsage = null;
  lfFlatCostTotal = null;
  lfFlatCostSum = null;
  sawHttp = false;
  for (const key in attrs) {
    const slot = S.KEY_SLOTS.get(key);
    if (slot !== undefined) {
      if (stamp[slot] !== gen) {
        stamp[slot] = gen;
        vals[slot] = attrs[key];
      }
      continue;
    }
    // Families of keys that no fixed table can list; dispatch on the first character so that the
    // common unknown key costs one comparison.
    switch (key.charCodeAt(0)) {
      case 103 /* g */:
        if (key.startsWith(LEGACY_PROMPT)) {
          const part = indexedPart(key, LEGACY_PROMPT, attrs[key]);
          if (part !== null) {
            promptParts ??= [];
            promptParts.push(part);
          }
        } else if (key.startsWith(LEGACY_COMPLETION)) {
          const part = indexedPart(key, LEGACY_COMPLETION, attrs[key]);
          if (part !== null) {
            completionParts ??= [];
            completionParts.push(part);
          }
        }
        break;
      case 104 /* h */:
        if (key.startsWith('http.')) sawHttp = true;
        break;
      case 117 /* u */:
        if (key.startsWith('url.')) sawHttp = true;
        break;
      case 108 /* l */:
        if (key.startsWith(LF_USAGE_PREFIX)) {
          const n = toNumber(attrs[key]);
          if (n !== null) {
            lfFlatUsage ??= { input: null, output: null, cacheRead: null, reasoning: null, total: null };
            addUsage(lfFlatUsage, key.slice(LF_USAGE_PREFIX.length).toLowerCase(), n);
          }
        } else if (key.startsWith(LF_COST_PREFIX)) {
          const n = toNumber(attrs[key]);
          if (n !== null) {
            if (key.length === LF_COST_PREFIX.length + 5 && key.endsWith('total')) lfFlatCostTotal = n;
            else lfFlatCostSum = (lfFlatCostSum ?? 0) + n;
          }
        }
        break;
    }
  }
}

/** `gen_ai.prompt.3.content` → {index 3, field content}; anything else → null. */
function indexedPart(key: string, prefix: string, value: AttrValue): IndexedPart | null {
  let i = prefix.length;
  let index = 0;
  const start = i;
  while (i < key.length) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) break;
    index = index * 10 + (c - 48);
    i++;
  }
  if (i === start || key.charCodeAt(i) !== 46 /* . */) return null;
  return { index, field: key.slice(i + 1), value };
}

/** Legacy indexed messages as JSON text: `[{"role":"user","content":"…"}, …]`, built as a string. */
function partsToText(parts: IndexedPart[] | null): string | null {
  if (parts === null) return null;
  // Attribute order usually follows the index already; sort only when it does not.
  for (let i = 1; i < parts.length; i++) {
    if (parts[i]!.index < parts[i - 1]!.index) {
      parts.sort((a, b) => a.index - b.index);
      break;
    }
  }
  let text = '';
  let last = -1;
  for (const p of parts) {
    if (p.field !== 'role' && p.field !== 'content') continue;
    text += p.index !== last ? (last === -1 ? '[{' : '},{') : ',';
    last = p.index;
    text += p.field === 'role' ? '"role":' : '"content":';
    text += JSON.stringify(p.value);
  }
  return last === -1 ? null : `${text}}]`;
}

function toNumber(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function toText(v: AttrValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.length === 0 ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function toBool(v: AttrValue | undefined): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
  }
  if (typeof v === 'number') return v !== 0;
  return null;
}

/** Text of a slot, null when absent or empty. Chained with `??` to express precedence. */
function txt(slot: number): string | null {
  return stamp[slot] === gen ? toText(vals[slot]) : null;
}

/** Number of a slot (numeric strings accepted), null when absent or not a finite number. */
function num(slot: number): number | null {
  return stamp[slot] === gen ? toNumber(vals[slot]) : null;
}

/** `witness.decision.alternatives`: a string array, JSON text of one, or a single string. */
function toAlternatives(v: AttrValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  let list: unknown = v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[')) {
      try {
        list = JSON.parse(s);
      } catch {
        return [v];
      }
    } else {
      return s.length === 0 ? [] : [v];
    }
  }
  if (!Array.isArray(list)) return [String(list)];
  const out: string[] = [];
  for (const item of list) {
    if (item === null || item === undefined) continue;
    out.push(typeof item === 'string' ? item : JSON.stringify(item));
  }
  return out;
}

/** "invoke_agent Planner" → "Planner" (GenAI span names are `{operation} {name}`). */
function nameAfter(spanName: string, operation: string): string | null {
  return spanName.length > operation.length + 1 &&
    spanName.startsWith(operation) &&
    spanName[operation.length] === ' '
    ? spanName.slice(operation.length + 1)
    : null;
}

// Resource lookups are per resource object; spans of one ResourceSpans usually share it.
let lastResource: Attributes | null = null;
let resAgent: string | null = null;
let resSession: string | null = null;
let resUser: string | null = null;

function readResource(resource: Attributes): void {
  if (resource === lastResource) return;
  lastResource = resource;
  resAgent =
    toText(resource[WITNESS_ATTR.agentName]) ??
    toText(resource['gen_ai.agent.name']) ??
    toText(resource['agent.name']);
  resSession =
    toText(resource[WITNESS_ATTR.sessionId]) ??
    toText(resource['gen_ai.conversation.id']) ??
    toText(resource['session.id']);
  resUser =
    toText(resource[WITNESS_ATTR.userId]) ?? toText(resource['user.id']) ?? toText(resource['enduser.id']);
}

function resolveKind(
  span: SpanRecord,
  genaiOp: SpanKind | null,
  oiKind: SpanKind | null,
  tlKind: SpanKind | null,
  lfKind: SpanKind | null,
): SpanKind {
  const explicit = kindOf(WITNESS_KINDS, get(S.W_KIND));
  if (explicit !== null) return explicit;
  // A span that records a choice is a decision, whatever framework span it rides on.
  if (get(S.W_D_CHOICE) !== undefined) return 'decision';
  const fromConventions =
    genaiOp ?? oiKind ?? tlKind ?? kindOf(TRACELOOP_REQUEST_KINDS, get(S.TL_REQUEST_TYPE)) ?? lfKind;
  if (fromConventions !== null) return fromConventions;
  // No declared kind: infer from what the span carries (e.g. GenAI spans from before operation.name).
  if (get(S.G_TOOL) !== undefined || get(S.G_TOOL_ARGS) !== undefined) return 'tool';
  if (
    get(S.G_REQUEST_MODEL) !== undefined ||
    get(S.G_RESPONSE_MODEL) !== undefined ||
    get(S.OI_MODEL) !== undefined ||
    get(S.TL_REQUEST_MODEL) !== undefined
  )
    return 'llm';
  if (get(S.OI_EMBEDDING_MODEL) !== undefined) return 'embedding';
  if (sawHttp && (span.spanKind === 2 || span.spanKind === 3)) return 'http';
  if (get(S.OTEL_DB_SYSTEM) !== undefined) return 'db';
  return 'other';
}

/** Fills the derived agent fields of one span in place. Every field is assigned (idempotent). */
export function normalizeSpan(span: SpanRecord): void {
  collect(span.attributes);
  readResource(span.resource);

  const opValue = get(S.G_OPERATION);
  const genaiOp = kindOf(GENAI_OPERATION_KINDS, opValue);
  const oiKind = kindOf(OPENINFERENCE_KINDS, get(S.OI_KIND));
  const tlKind = kindOf(TRACELOOP_KINDS, get(S.TL_KIND));
  const lfKind = kindOf(LANGFUSE_KINDS, get(S.LF_TYPE));
  span.kind = resolveKind(span, genaiOp, oiKind, tlKind, lfKind);

  // Model: the response model when reported (what actually ran), else the requested one.
  const model =
    txt(S.G_RESPONSE_MODEL) ??
    txt(S.G_REQUEST_MODEL) ??
    txt(S.OI_RESPONSE_MODEL) ??
    txt(S.OI_MODEL) ??
    txt(S.OI_REQUEST_MODEL) ??
    txt(S.OI_EMBEDDING_MODEL) ??
    txt(S.OI_RERANKER_MODEL) ??
    txt(S.TL_RESPONSE_MODEL) ??
    txt(S.TL_REQUEST_MODEL) ??
    txt(S.LF_MODEL) ??
    txt(S.LF_MODEL_OLD);
  span.model = model;

  // Token counts field by field in precedence order; Langfuse usage (JSON) fills what the others left.
  let input =
    num(S.G_INPUT_TOKENS) ?? num(S.G_PROMPT_TOKENS) ?? num(S.OI_PROMPT_TOKENS) ?? num(S.TL_PROMPT_TOKENS);
  let output =
    num(S.G_OUTPUT_TOKENS) ??
    num(S.G_COMPLETION_TOKENS) ??
    num(S.OI_COMPLETION_TOKENS) ??
    num(S.TL_COMPLETION_TOKENS);
  let cacheRead = num(S.G_CACHE_READ) ?? num(S.G_CACHE_READ_OLD) ?? num(S.OI_CACHE_READ);
  let reasoning = num(S.G_REASONING) ?? num(S.OI_REASONING);
  let total = num(S.G_TOTAL_TOKENS) ?? num(S.OI_TOTAL_TOKENS) ?? num(S.TL_TOTAL_TOKENS);
  const lfUsageValue = get(S.LF_USAGE);
  if (lfUsageValue !== undefined || lfFlatUsage !== null) {
    const lf = parseLangfuseUsage(lfUsageValue) ?? lfFlatUsage;
    if (lf !== null) {
      input ??= lf.input;
      output ??= lf.output;
      cacheRead ??= lf.cacheRead;
      reasoning ??= lf.reasoning;
      total ??= lf.total;
    }
  }
  // A total with one side known gives the other side (OpenLLMetry's llm.usage.total_tokens).
  if (total !== null) {
    if (input !== null && output === null && total >= input) output = total - input;
    else if (output !== null && input === null && total >= output) input = total - output;
  }
  span.inputTokens = input;
  span.outputTokens = output;
  span.cacheReadTokens = cacheRead;
  span.reasoningTokens = reasoning;

  // Provider-reported cost wins over the price table.
  let cost = num(S.W_COST) ?? num(S.G_COST) ?? num(S.OI_COST);
  if (cost === null) {
    const lfCost = get(S.LF_COST);
    cost = (lfCost !== undefined ? parseLangfuseCost(lfCost) : null) ?? lfFlatCostTotal ?? lfFlatCostSum;
  }
  span.costUsd = cost ?? costOfTokens(model, input, output, cacheRead, reasoning);

  span.provider =
    txt(S.G_PROVIDER) ??
    txt(S.G_SYSTEM) ??
    txt(S.OI_PROVIDER) ??
    txt(S.OI_SYSTEM) ??
    txt(S.TL_VENDOR) ??
    (model !== null ? (priceFor(model)?.provider ?? null) : null);

  span.sessionId =
    txt(S.W_SESSION) ??
    txt(S.G_CONVERSATION) ??
    txt(S.OI_SESSION) ??
    txt(S.TL_SESSION) ??
    txt(S.LF_SESSION) ??
    resSession;
  span.userId =
    txt(S.W_USER) ?? txt(S.OI_USER) ?? txt(S.TL_USER) ?? txt(S.LF_USER) ?? txt(S.OTEL_ENDUSER) ?? resUser;

  const op = typeof opValue === 'string' ? opValue : null;
  span.agentName =
    txt(S.W_AGENT) ??
    txt(S.G_AGENT) ??
    (op === 'invoke_agent' || op === 'create_agent' ? nameAfter(span.name, op) : null) ??
    txt(S.OI_AGENT) ??
    (tlKind === 'agent' ? txt(S.TL_ENTITY_NAME) : null) ??
    (lfKind === 'agent' ? span.name : null) ??
    resAgent;
  span.toolName =
    txt(S.W_TOOL) ??
    txt(S.G_TOOL) ??
    (op === 'execute_tool' ? nameAfter(span.name, op) : null) ??
    txt(S.OI_TOOL) ??
    (tlKind === 'tool' ? txt(S.TL_ENTITY_NAME) : null) ??
    (lfKind === 'tool' ? span.name : null);
  span.sideEffect = toBool(get(S.W_SIDE_EFFECT));

  span.input =
    txt(S.W_INPUT) ??
    txt(S.G_TOOL_ARGS) ??
    txt(S.G_INPUT_MESSAGES) ??
    txt(S.G_SYSTEM_INSTRUCTIONS) ??
    txt(S.OI_INPUT) ??
    txt(S.TL_ENTITY_INPUT) ??
    partsToText(promptParts) ??
    txt(S.G_PROMPT_TEXT) ??
    txt(S.LF_INPUT);
  span.output =
    txt(S.W_OUTPUT) ??
    txt(S.W_STEP_TEXT) ??
    txt(S.G_TOOL_RESULT) ??
    txt(S.G_OUTPUT_MESSAGES) ??
    txt(S.OI_OUTPUT) ??
    txt(S.TL_ENTITY_OUTPUT) ??
    partsToText(completionParts) ??
    txt(S.G_COMPLETION_TEXT) ??
    txt(S.LF_OUTPUT);

  span.decision = readDecision();
  span.governance = readGovernance();
}

function readDecision(): Decision | null {
  const choice = get(S.W_D_CHOICE);
  const alternatives = get(S.W_D_ALTERNATIVES);
  const confidence = get(S.W_D_CONFIDENCE);
  const rationale = get(S.W_D_RATIONALE);
  if (
    choice === undefined &&
    alternatives === undefined &&
    confidence === undefined &&
    rationale === undefined
  )
    return null;
  const c = toNumber(confidence);
  return {
    choice: toText(choice),
    alternatives: toAlternatives(alternatives),
    // A confidence outside 0..1 is not a probability; better unknown than wrong.
    confidence: c !== null && c >= 0 && c <= 1 ? c : null,
    rationale: toText(rationale),
  };
}

function readGovernance(): Governance | null {
  const mode = toText(get(S.W_G_MODE));
  const actor = toText(get(S.W_G_ACTOR));
  const actorRole = toText(get(S.W_G_ACTOR_ROLE));
  const workflow = toText(get(S.W_G_WORKFLOW));
  const outcome = toText(get(S.W_G_OUTCOME));
  if (mode === null && actor === null && actorRole === null && workflow === null && outcome === null)
    return null;
  return { mode, actor, actorRole, workflow, outcome };
}

interface TraceIdentity {
  sessionId: string | null;
  userId: string | null;
}

/**
 * Fills the derived agent fields of every span in place, then copies session and user found on any
 * span of a trace onto the spans of that trace in this batch that have none (the store carries them
 * across batches). Attributes, resource and events are left untouched.
 */
export function normalizeSpans(spans: SpanRecord[]): void {
  let traces: Map<string, TraceIdentity> | null = null;
  let missing = false;
  // Spans of one trace usually arrive together: remember the last trace to skip most Map lookups.
  let lastTrace: string | null = null;
  let lastIdentity: TraceIdentity | null = null;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    normalizeSpan(span);
    const { sessionId, userId } = span;
    if (sessionId === null || userId === null) missing = true;
    if (sessionId === null && userId === null) continue;
    let known: TraceIdentity | undefined;
    if (span.traceId === lastTrace) known = lastIdentity!;
    else {
      traces ??= new Map();
      known = traces.get(span.traceId);
      if (known === undefined) {
        known = { sessionId, userId };
        traces.set(span.traceId, known);
      }
      lastTrace = span.traceId;
      lastIdentity = known;
    }
    known.sessionId ??= sessionId;
    known.userId ??= userId;
  }
  if (traces === null || !missing) return;
  lastTrace = null;
  lastIdentity = null;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if (span.sessionId !== null && span.userId !== null) continue;
    let known: TraceIdentity | undefined;
    if (span.traceId === lastTrace) known = lastIdentity!;
    else {
      known = traces.get(span.traceId);
      if (known === undefined) continue;
      lastTrace = span.traceId;
      lastIdentity = known;
    }
    span.sessionId ??= known.sessionId;
    span.userId ??= known.userId;
  }
}
