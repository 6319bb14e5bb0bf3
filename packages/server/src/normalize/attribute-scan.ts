/**
 * The single pass over a span's attribute keys. Known keys (attribute-slots.ts) are parked in numeric
 * slots; families of keys no fixed table can list (legacy indexed prompts, Langfuse flat usage, HTTP
 * keys) are gathered on the way. The readers (read-*.ts) then resolve precedence by reading slots.
 *
 * One scratch area is reused for every span: `vals[slot]` holds the value of a known key when
 * `stamp[slot] === gen`. Bumping `gen` clears all slots at once, so no per-span allocation or reset
 * loop. Normalization is synchronous, so sharing the scratch is safe.
 */
import type { AttrValue, Attributes } from '../model/index.js';
import { toNumber, toText } from './attribute-values.js';
import * as S from './attribute-slots.js';
import { addUsage, type LangfuseUsage } from './langfuse-usage.js';

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
/** What the pass found beyond the fixed slots, for the current span (one object, reused). */
export const found: {
  /** Langfuse `langfuse.observation.usage_details.<type>` keys, summed by type. */
  lfFlatUsage: LangfuseUsage | null;
  /** Langfuse `langfuse.observation.cost_details.total`. */
  lfFlatCostTotal: number | null;
  /** Sum of the other `langfuse.observation.cost_details.<type>` keys. */
  lfFlatCostSum: number | null;
  /** The span has `http.*` or `url.*` keys. */
  sawHttp: boolean;
} = { lfFlatUsage: null, lfFlatCostTotal: null, lfFlatCostSum: null, sawHttp: false };

const LEGACY_PROMPT = 'gen_ai.prompt.';
const LEGACY_COMPLETION = 'gen_ai.completion.';
const LF_USAGE_PREFIX = 'langfuse.observation.usage_details.';
const LF_COST_PREFIX = 'langfuse.observation.cost_details.';

/** Raw value of a slot for the current span, undefined when absent. */
export function get(slot: number): AttrValue | undefined {
  return stamp[slot] === gen ? vals[slot] : undefined;
}

/** Text of a slot, null when absent or empty. Chained with `??` to express precedence. */
export function txt(slot: number): string | null {
  return stamp[slot] === gen ? toText(vals[slot]) : null;
}

/** Number of a slot (numeric strings accepted), null when absent or not a finite number. */
export function num(slot: number): number | null {
  return stamp[slot] === gen ? toNumber(vals[slot]) : null;
}

/** Reads every attribute key of one span into the scratch area. */
export function scanAttributes(attrs: Attributes): void {
  gen = (gen + 1) | 0;
  if (gen === 0) {
    // Wrapped around after 2^32 spans: stale stamps could now look current.
    stamp.fill(-1);
    gen = 1;
  }
  promptParts = null;
  completionParts = null;
  found.lfFlatUsage = null;
  found.lfFlatCostTotal = null;
  found.lfFlatCostSum = null;
  found.sawHttp = false;
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
        if (key.startsWith('http.')) found.sawHttp = true;
        break;
      case 117 /* u */:
        if (key.startsWith('url.')) found.sawHttp = true;
        break;
      case 108 /* l */:
        if (key.startsWith(LF_USAGE_PREFIX)) {
          const n = toNumber(attrs[key]);
          if (n !== null) {
            found.lfFlatUsage ??= {
              input: null,
              output: null,
              cacheRead: null,
              reasoning: null,
              total: null,
            };
            addUsage(found.lfFlatUsage, key.slice(LF_USAGE_PREFIX.length).toLowerCase(), n);
          }
        } else if (key.startsWith(LF_COST_PREFIX)) {
          const n = toNumber(attrs[key]);
          if (n !== null) {
            if (key.length === LF_COST_PREFIX.length + 5 && key.endsWith('total')) found.lfFlatCostTotal = n;
            else found.lfFlatCostSum = (found.lfFlatCostSum ?? 0) + n;
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

/** The legacy indexed prompt of the current span as JSON text, null when it has none. */
export function legacyPromptText(): string | null {
  return partsToText(promptParts);
}

/** The legacy indexed completion of the current span as JSON text, null when it has none. */
export function legacyCompletionText(): string | null {
  return partsToText(completionParts);
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
