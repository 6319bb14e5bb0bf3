import type { SpanKind, SpanRecord } from '../model/index.js';
import { found, get } from './attribute-scan.js';
import * as S from './attribute-slots.js';
import {
  aiSdkKind,
  GENAI_OPERATION_KINDS,
  kindOf,
  LANGFUSE_KINDS,
  OPENINFERENCE_KINDS,
  TRACELOOP_KINDS,
  TRACELOOP_REQUEST_KINDS,
  WITNESS_KINDS,
} from './span-kind.js';

/** The kind each convention declares on the current span (null: it declares none). */
export interface DeclaredKinds {
  genai: SpanKind | null;
  openinference: SpanKind | null;
  traceloop: SpanKind | null;
  langfuse: SpanKind | null;
  aiSdk: SpanKind | null;
}

/** Reused for every span (normalization is synchronous): no allocation per span. */
const declared: DeclaredKinds = {
  genai: null,
  openinference: null,
  traceloop: null,
  langfuse: null,
  aiSdk: null,
};

export function declaredKinds(): DeclaredKinds {
  declared.genai = kindOf(GENAI_OPERATION_KINDS, get(S.G_OPERATION));
  declared.openinference = kindOf(OPENINFERENCE_KINDS, get(S.OI_KIND));
  declared.traceloop = kindOf(TRACELOOP_KINDS, get(S.TL_KIND));
  declared.langfuse = kindOf(LANGFUSE_KINDS, get(S.LF_TYPE));
  declared.aiSdk = aiSdkKind(get(S.AI_OPERATION));
  return declared;
}

/** Witness's kind: declared by `witness.kind`, then by a convention in precedence order, then inferred. */
export function resolveKind(span: SpanRecord, d: DeclaredKinds): SpanKind {
  const explicit = kindOf(WITNESS_KINDS, get(S.W_KIND));
  if (explicit !== null) return explicit;
  // A span that records a choice is a decision, whatever framework span it rides on.
  if (get(S.W_D_CHOICE) !== undefined) return 'decision';
  const fromConventions =
    d.genai ??
    d.openinference ??
    d.traceloop ??
    kindOf(TRACELOOP_REQUEST_KINDS, get(S.TL_REQUEST_TYPE)) ??
    d.langfuse ??
    d.aiSdk;
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
  if (found.sawHttp && (span.spanKind === 2 || span.spanKind === 3)) return 'http';
  if (get(S.OTEL_DB_SYSTEM) !== undefined) return 'db';
  return 'other';
}
