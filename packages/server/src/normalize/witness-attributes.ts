/**
 * Witness's own span attribute keys. They rank above every other convention, so an application (or
 * the Witness SDK helper) can always say exactly what a span is. Documented in docs/normalization.md.
 */
export const WITNESS_ATTR = {
  /** One of the SpanKind values (`agent`, `llm`, `tool`, `step`, `decision`, …); wins over any inference. */
  kind: 'witness.kind',
  sessionId: 'witness.session.id',
  userId: 'witness.user.id',
  agentName: 'witness.agent.name',
  toolName: 'witness.tool.name',
  /** boolean (or "true"/"false"): the tool call changes the world (writes, payments, emails…). */
  toolSideEffect: 'witness.tool.side_effect',
  /** The text of a reasoning step; becomes the span's `output`. */
  stepText: 'witness.step.text',
  /** Free-form input / output text, above every convention's input/output keys. */
  input: 'witness.input',
  output: 'witness.output',
  decisionChoice: 'witness.decision.choice',
  /** string[] or JSON text of a string array. */
  decisionAlternatives: 'witness.decision.alternatives',
  /** number in 0..1 (values outside are ignored). */
  decisionConfidence: 'witness.decision.confidence',
  decisionRationale: 'witness.decision.rationale',
  governanceMode: 'witness.governance.mode',
  governanceActor: 'witness.governance.actor',
  governanceActorRole: 'witness.governance.actor_role',
  governanceWorkflow: 'witness.governance.workflow',
  governanceOutcome: 'witness.governance.outcome',
  /** Provider-reported cost in USD; wins over the price table. */
  costUsd: 'witness.cost_usd',
  /**
   * Set (true) by Witness itself, never read from clients: the span's token counts were estimated
   * from its input/output text because the instrumentation reported none.
   */
  tokensEstimated: 'witness.tokens.estimated',
} as const;

export type WitnessAttributeKey = (typeof WITNESS_ATTR)[keyof typeof WITNESS_ATTR];
