import type { Decision, Governance } from '../model/index.js';
import { get } from './attribute-scan.js';
import * as S from './attribute-slots.js';
import { toAlternatives, toNumber, toText } from './attribute-values.js';

/** `witness.decision.*`, null when the span records no part of a decision. */
export function readDecision(): Decision | null {
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

/** `witness.governance.*`, null when the span records none of it. */
export function readGovernance(): Governance | null {
  const mode = toText(get(S.W_G_MODE));
  const actor = toText(get(S.W_G_ACTOR));
  const actorRole = toText(get(S.W_G_ACTOR_ROLE));
  const workflow = toText(get(S.W_G_WORKFLOW));
  const outcome = toText(get(S.W_G_OUTCOME));
  if (mode === null && actor === null && actorRole === null && workflow === null && outcome === null)
    return null;
  return { mode, actor, actorRole, workflow, outcome };
}
