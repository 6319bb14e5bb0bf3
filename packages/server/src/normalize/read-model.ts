import { txt } from './attribute-scan.js';
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
    txt(S.LF_MODEL_OLD)
  );
}

/** The provider as declared, else the one the price table knows the model by. */
export function readProvider(model: string | null): string | null {
  return (
    txt(S.G_PROVIDER) ??
    txt(S.G_SYSTEM) ??
    txt(S.OI_PROVIDER) ??
    txt(S.OI_SYSTEM) ??
    txt(S.TL_VENDOR) ??
    (model !== null ? (priceFor(model)?.provider ?? null) : null)
  );
}
