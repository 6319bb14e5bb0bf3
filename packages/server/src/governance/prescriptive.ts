/**
 * Prescriptive language in LLM outputs: directive phrases that tell the reader what to do, by type.
 * Team B counts these as a governance signal (a bot that should draft or research is issuing orders),
 * and policies read them (`"medical" in span.prescriptive`). Phrase lists, not a model: cheap enough for
 * every LLM span, explainable, and tested on matches and non-matches. One case-insensitive regex per
 * type, word-bounded; each type is reported once per text.
 */
export const PRESCRIPTIVE_TYPES = ['directive', 'urgent', 'medical', 'financial', 'legal'] as const;
export type PrescriptiveType = (typeof PRESCRIPTIVE_TYPES)[number];

const PATTERNS: Record<PrescriptiveType, RegExp> = {
  // second-person obligation: "you must", "you should", "you need to", "you have to", "make sure you"
  directive:
    /\b(?:you (?:must|should|need to|have to|are required to|ought to)|make sure (?:you|to)|do not (?:ever )?(?:skip|ignore|delay)|it is (?:mandatory|imperative) (?:that|to))\b/i,
  // urgency attached to an action
  urgent: /\b(?:immediately|right away|without delay|as soon as possible|asap|urgently)\b/i,
  // imperative medical advice: dosing, starting or stopping a treatment
  medical:
    /\b(?:take \d+\s?(?:mg|ml|tablets?|pills?|capsules?)|(?:stop|start|increase|decrease|double) (?:taking )?(?:your|the) (?:medication|dose|dosage|insulin|treatment)|you (?:should|must) (?:see|consult) a (?:doctor|physician)|go to the (?:er|emergency room))\b/i,
  // imperative financial advice: buy/sell/invest directives
  financial:
    /\b(?:you should (?:buy|sell|invest|short|move your (?:money|savings))|(?:buy|sell) (?:now|immediately|all (?:your|of your) (?:shares|stock|holdings))|put (?:all )?your (?:money|savings) (?:in|into)|invest (?:all|everything|your savings))\b/i,
  // legal instructions
  legal:
    /\b(?:you should (?:sue|file a (?:claim|lawsuit|complaint))|sign (?:the|this) (?:contract|agreement) (?:now|today|immediately)|do not sign)\b/i,
};

/** The prescriptive phrase types found in `text`, in PRESCRIPTIVE_TYPES order ([] when none). */
export function detectPrescriptive(text: string | null): PrescriptiveType[] {
  if (text === null || text.length < 6) return [];
  const found: PrescriptiveType[] = [];
  for (const type of PRESCRIPTIVE_TYPES) if (PATTERNS[type].test(text)) found.push(type);
  return found;
}
