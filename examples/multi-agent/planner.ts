/**
 * The planner agent: decides what to do, delegates research to the researcher service over HTTP
 * (W3C trace context injected into the request), and files a ticket (a tool with a side effect).
 */
import { inject, type Witness, withBaggage } from '@witness/sdk';

/** Runs the planner; resolves with the answer and the id of the trace it made. */
export async function plan(
  w: Witness,
  researcherUrl: string,
  question: string,
): Promise<{ answer: string; traceId: string }> {
  return w.session('session-42', () =>
    w.user('user-7', () =>
      withBaggage({ tenant: 'acme' }, () =>
        w.agent('planner', async (self) => {
          w.step('Break the request down: it needs outside knowledge, so delegate to the researcher.');
          w.decision({
            choice: 'delegate_to_researcher',
            alternatives: ['answer_directly', 'delegate_to_researcher'],
            confidence: 0.9,
            rationale: 'The question asks about external documents.',
          });
          const found = await w.tool({ name: 'delegate_research', args: { question } }, async () => {
            const res = await fetch(researcherUrl, {
              method: 'POST',
              headers: inject({ 'content-type': 'application/json' }),
              body: JSON.stringify({ question }),
            });
            if (!res.ok) throw new Error(`researcher answered ${res.status}`);
            return (await res.json()) as { answer: string; sources: string[] };
          });
          await w.tool(
            { name: 'create_ticket', sideEffect: true, args: { title: question, body: found.answer } },
            async () => ({
              id: 'TICKET-101',
            }),
          );
          return { answer: found.answer, traceId: self.span.spanContext().traceId };
        }),
      ),
    ),
  );
}
