/**
 * Agent, session and user named on the resource rather than the span. Lookups are per resource object;
 * spans of one ResourceSpans share it, so the answer is cached for the last resource seen.
 */
import type { Attributes } from '../model/index.js';
import { toText } from './attribute-values.js';
import { WITNESS_ATTR } from './witness-attributes.js';

let lastResource: Attributes | null = null;
/** Agent, session and user of the last resource read (one object, reused). */
export const fromResource: { agent: string | null; session: string | null; user: string | null } = {
  agent: null,
  session: null,
  user: null,
};

export function readResource(resource: Attributes): void {
  if (resource === lastResource) return;
  lastResource = resource;
  fromResource.agent =
    toText(resource[WITNESS_ATTR.agentName]) ??
    toText(resource['gen_ai.agent.name']) ??
    toText(resource['agent.name']);
  fromResource.session =
    toText(resource[WITNESS_ATTR.sessionId]) ??
    toText(resource['gen_ai.conversation.id']) ??
    toText(resource['session.id']);
  fromResource.user =
    toText(resource[WITNESS_ATTR.userId]) ?? toText(resource['user.id']) ?? toText(resource['enduser.id']);
}
