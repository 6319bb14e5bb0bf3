import type { SpanRecord } from '../model/index.js';
import { get, txt } from './attribute-scan.js';
import * as S from './attribute-slots.js';
import { nameAfter, toBool } from './attribute-values.js';
import { fromResource } from './resource-identity.js';
import type { DeclaredKinds } from './resolve-kind.js';

/** Session and user: the span's own keys in precedence order, then the resource's. */
export function fillSessionAndUser(span: SpanRecord): void {
  span.sessionId =
    txt(S.W_SESSION) ??
    txt(S.G_CONVERSATION) ??
    txt(S.OI_SESSION) ??
    txt(S.TL_SESSION) ??
    txt(S.LF_SESSION) ??
    txt(S.AI_SESSION) ??
    fromResource.session;
  span.userId =
    txt(S.W_USER) ??
    txt(S.OI_USER) ??
    txt(S.TL_USER) ??
    txt(S.LF_USER) ??
    txt(S.AI_USER) ??
    txt(S.OTEL_ENDUSER) ??
    fromResource.user;
}

/** Agent and tool names; conventions that name them only through the span name are read by kind. */
export function fillAgentAndTool(span: SpanRecord, d: DeclaredKinds): void {
  const opValue = get(S.G_OPERATION);
  const op = typeof opValue === 'string' ? opValue : null;
  span.agentName =
    txt(S.W_AGENT) ??
    txt(S.G_AGENT) ??
    (op === 'invoke_agent' || op === 'create_agent' ? nameAfter(span.name, op) : null) ??
    txt(S.OI_AGENT) ??
    (d.traceloop === 'agent' ? txt(S.TL_ENTITY_NAME) : null) ??
    (d.langfuse === 'agent' ? span.name : null) ??
    fromResource.agent;
  span.toolName =
    txt(S.W_TOOL) ??
    txt(S.G_TOOL) ??
    (op === 'execute_tool' ? nameAfter(span.name, op) : null) ??
    txt(S.OI_TOOL) ??
    (d.traceloop === 'tool' ? txt(S.TL_ENTITY_NAME) : null) ??
    (d.langfuse === 'tool' ? span.name : null) ??
    txt(S.AI_TOOL_NAME);
  span.sideEffect = toBool(get(S.W_SIDE_EFFECT));
}
