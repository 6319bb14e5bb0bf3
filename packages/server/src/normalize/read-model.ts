import { get, txt } from './attribute-scan.js';
import * as S from './attribute-slots.js';
import { priceFor } from './cost.js';

/** The model: the response model when reported (what actually ran), else the requested one. */
export function readModel(): string | null {
  return (
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
    txt(S.LF_MODEL_OLD) ??
    txt(S.AI_RESPONSE_MODEL) ??
    txt(S.AI_MODEL_ID)
  );
}

/**
 * The provider as declared, else the one the price table knows the model by. The AI SDK writes its
 * provider id (`openai.chat`, `anthropic.messages`) into `gen_ai.system` too; on its spans (those with
 * `ai.operationId`) the provider is that id up to the first dot.
 */
export function readProvider(model: string | null): string | null {
  return (
    txt(S.G_PROVIDER) ??
    (get(S.AI_OPERATION) !== undefined ? aiSdkProvider(txt(S.AI_MODEL_PROVIDER) ?? txt(S.G_SYSTEM)) : null) ??
    txt(S.G_SYSTEM) ??
    txt(S.OI_PROVIDER) ??
    txt(S.OI_SYSTEM) ??
    txt(S.TL_VENDOR) ??
    (model !== null ? (priceFor(model)?.provider ?? null) : null)
  );
}

/** `openai.chat` → `openai`; `google.vertex.chat` → `google`. */
function aiSdkProvider(id: string | null): string | null {
  if (id === null) return null;
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : id;
}
