import type { SpanRecord } from '../model/index.js';
import { legacyCompletionText, legacyPromptText, txt } from './attribute-scan.js';
import * as S from './attribute-slots.js';

/** What went in (prompt, tool arguments) and came out (completion, tool result), as text. */
export function fillInputAndOutput(span: SpanRecord): void {
  span.input =
    txt(S.W_INPUT) ??
    txt(S.G_TOOL_ARGS) ??
    txt(S.G_INPUT_MESSAGES) ??
    txt(S.G_SYSTEM_INSTRUCTIONS) ??
    txt(S.OI_INPUT) ??
    txt(S.TL_ENTITY_INPUT) ??
    legacyPromptText() ??
    txt(S.G_PROMPT_TEXT) ??
    txt(S.LF_INPUT) ??
    txt(S.AI_PROMPT_MESSAGES) ??
    txt(S.AI_PROMPT) ??
    txt(S.AI_TOOL_ARGS) ??
    txt(S.AI_VALUE) ??
    txt(S.AI_VALUES);
  span.output =
    txt(S.W_OUTPUT) ??
    txt(S.W_STEP_TEXT) ??
    txt(S.G_TOOL_RESULT) ??
    txt(S.G_OUTPUT_MESSAGES) ??
    txt(S.OI_OUTPUT) ??
    txt(S.TL_ENTITY_OUTPUT) ??
    legacyCompletionText() ??
    txt(S.G_COMPLETION_TEXT) ??
    txt(S.LF_OUTPUT) ??
    txt(S.AI_RESPONSE_TEXT) ??
    txt(S.AI_RESPONSE_OBJECT) ??
    txt(S.AI_RESPONSE_TOOL_CALLS) ??
    txt(S.AI_TOOL_RESULT);
}
