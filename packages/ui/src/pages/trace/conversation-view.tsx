import type { ChatMessage, ChatPart, Conversation } from './messages.js';
import { prettyText } from './messages.js';

function Part({ part }: { part: ChatPart }) {
  switch (part.type) {
    case 'text':
      return <div class="msg-text">{part.text}</div>;
    case 'reasoning':
      return (
        <div class="msg-reasoning">
          <div class="label">Reasoning</div>
          {part.text}
        </div>
      );
    case 'tool_call':
      return (
        <div class="msg-tool">
          <div class="label">
            Tool call <code>{part.name}</code>
          </div>
          <pre>{prettyText(part.args)}</pre>
        </div>
      );
    case 'tool_result':
      return (
        <div class="msg-tool">
          <div class="label">Tool result</div>
          <pre>{prettyText(part.content)}</pre>
        </div>
      );
  }
}

function Message({ m }: { m: ChatMessage }) {
  return (
    <div class={`msg msg-${m.role}`} data-testid="chat-message" data-role={m.role}>
      <div class="msg-role">
        {m.role}
        {m.finishReason && <span class="muted small"> · {m.finishReason}</span>}
      </div>
      {m.parts.length ? m.parts.map((p, i) => <Part key={i} part={p} />) : <div class="muted">(empty)</div>}
    </div>
  );
}

export function ConversationView({ conversation }: { conversation: Conversation }) {
  return (
    <div class="conversation" data-testid="conversation">
      {conversation.input.map((m, i) => (
        <Message key={`i${i}`} m={m} />
      ))}
      {conversation.output.length > 0 && <div class="conv-divider">response</div>}
      {conversation.output.map((m, i) => (
        <Message key={`o${i}`} m={m} />
      ))}
    </div>
  );
}
