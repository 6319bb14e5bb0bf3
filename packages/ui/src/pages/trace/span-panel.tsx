/** Everything about one span: the agent view for its kind first, raw attributes and events last. */
import type { AttrValue, SpanJson } from '@witness/protocol';
import type { ComponentChildren } from 'preact';
import { KindBadge, StatusBadge } from '../../components/badges.js';
import { formatCost, formatDuration, formatTime, formatTokens, nsToMs } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { ConversationView } from './conversation-view.js';
import { conversationOf, prettyText } from './messages.js';

function Section({
  title,
  children,
  testId,
}: {
  title: string;
  children: ComponentChildren;
  testId?: string;
}) {
  return (
    <section class="panel-section" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function Facts({ rows }: { rows: Array<[string, ComponentChildren, string?]> }) {
  return (
    <dl class="facts">
      {rows.map(([k, v, id]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd data-testid={id}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const text = (v: AttrValue | undefined) =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);

export function exceptionsOf(span: SpanJson) {
  return span.events
    .filter((e) => e.name === 'exception')
    .map((e) => ({
      type: text(e.attributes['exception.type']),
      message: text(e.attributes['exception.message']),
      stack: text(e.attributes['exception.stacktrace']),
    }));
}

function reasoningOf(span: SpanJson): string | null {
  const a = span.attributes;
  const v = a['witness.step.text'] ?? a['witness.reasoning'] ?? a.reasoning;
  if (v !== undefined && v !== null) return text(v);
  return span.kind === 'step' ? (span.output ?? span.input) : null;
}

/** Marks counts Witness estimated with a tokenizer because the instrumentation reported none. */
function EstimatedMark() {
  return (
    <span
      class="pill"
      data-testid="tokens-estimated"
      title="Estimated by Witness from the recorded prompt and completion (o200k_base tokenizer): the instrumentation reported no token counts, as is usual for streamed calls."
    >
      estimated
    </span>
  );
}

function Tokens({ span, n }: { span: SpanJson; n: number | null }) {
  return (
    <>
      {span.tokensEstimated && n !== null ? '~' : ''}
      {formatTokens(n)}
      {span.tokensEstimated && n !== null ? <EstimatedMark /> : null}
    </>
  );
}

function LlmSection({ span }: { span: SpanJson }) {
  const conv = conversationOf(span);
  return (
    <>
      <Section title="LLM call" testId="llm-section">
        <Facts
          rows={[
            ['Model', span.model ?? '—', 'span-model'],
            ['Provider', span.provider ?? '—'],
            ['Input tokens', <Tokens span={span} n={span.inputTokens} />, 'span-input-tokens'],
            ['Output tokens', <Tokens span={span} n={span.outputTokens} />, 'span-output-tokens'],
            ...(span.cacheReadTokens
              ? [['Cache read', formatTokens(span.cacheReadTokens)] as [string, string]]
              : []),
            ...(span.reasoningTokens
              ? [['Reasoning tokens', formatTokens(span.reasoningTokens)] as [string, string]]
              : []),
            [
              'Cost',
              <>
                {formatCost(span.costUsd)}
                {span.tokensEstimated && span.costUsd !== null ? <EstimatedMark /> : null}
              </>,
              'span-cost',
            ],
          ]}
        />
      </Section>
      <Section title="Conversation">
        {conv ? (
          <ConversationView conversation={conv} />
        ) : (
          <div class="muted">This span carries no prompt or completion.</div>
        )}
      </Section>
    </>
  );
}

function ToolSection({ span }: { span: SpanJson }) {
  return (
    <Section title="Tool call" testId="tool-section">
      <Facts
        rows={[
          ['Tool', span.toolName ?? span.name, 'span-tool'],
          [
            'Side effect',
            span.sideEffect === null ? (
              <span class="muted">not declared</span>
            ) : span.sideEffect ? (
              <span class="pill pill-warn">yes — changes the world</span>
            ) : (
              <span class="pill">no — read only</span>
            ),
            'span-side-effect',
          ],
        ]}
      />
      <h4>Arguments</h4>
      <pre class="code" data-testid="tool-args">
        {prettyText(span.input) || '—'}
      </pre>
      <h4>Result</h4>
      <pre class="code" data-testid="tool-result">
        {prettyText(span.output) || '—'}
      </pre>
    </Section>
  );
}

function DecisionSection({ span }: { span: SpanJson }) {
  const d = span.decision!;
  const conf =
    d.confidence === null
      ? null
      : Math.max(0, Math.min(1, d.confidence > 1 ? d.confidence / 100 : d.confidence));
  return (
    <Section title="Decision" testId="decision-section">
      <Facts rows={[['Chosen', <strong key="c">{d.choice ?? '—'}</strong>, 'decision-choice']]} />
      {d.alternatives.length > 0 && (
        <>
          <h4>Alternatives</h4>
          <ul class="alternatives" data-testid="decision-alternatives">
            {d.alternatives.map((alt) => (
              <li key={alt} class={alt === d.choice ? 'chosen' : undefined}>
                {alt}
                {alt === d.choice && <span class="pill">chosen</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Confidence</h4>
      {conf === null ? (
        <div class="muted">not reported</div>
      ) : (
        <div class="confidence">
          <div class="confidence-bar">
            <div
              class={`confidence-fill ${conf < 0.5 ? 'low' : conf < 0.8 ? 'mid' : 'high'}`}
              style={{ width: `${conf * 100}%` }}
            />
          </div>
          <span data-testid="decision-confidence">{Math.round(conf * 100)}%</span>
        </div>
      )}
      {d.rationale && (
        <>
          <h4>Rationale</h4>
          <div class="prose" data-testid="decision-rationale">
            {d.rationale}
          </div>
        </>
      )}
    </Section>
  );
}

function AttrTable({ attrs }: { attrs: Record<string, AttrValue> }) {
  const keys = Object.keys(attrs).sort();
  if (!keys.length) return <div class="muted">none</div>;
  return (
    <table class="attr-table">
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th>{k}</th>
            <td>
              <span class="attr-value">
                {typeof attrs[k] === 'string' ? (attrs[k] as string) : JSON.stringify(attrs[k])}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SpanPanel({
  span,
  baseNs,
  onClose,
}: {
  span: SpanJson;
  baseNs: bigint;
  onClose: () => void;
}) {
  const errors = exceptionsOf(span);
  const reasoning = reasoningOf(span);
  const startMs = nsToMs(span.startTimeUnixNano);
  const offset = Number(BigInt(span.startTimeUnixNano) - baseNs) / 1e6;
  const showIo =
    span.kind !== 'llm' &&
    span.kind !== 'tool' &&
    (span.input || span.output) &&
    reasoning !== (span.output ?? span.input);
  return (
    <aside class="span-panel" data-testid="span-panel" data-span-id={span.spanId} aria-label="Span details">
      <header class="span-panel-header">
        <div class="span-title">
          <KindBadge kind={span.kind} />
          <h2 data-testid="span-name">{span.name}</h2>
          <button type="button" class="btn btn-ghost close" aria-label="Close span panel" onClick={onClose}>
            ✕
          </button>
        </div>
        <Facts
          rows={[
            ['Status', <StatusBadge key="s" code={span.status.code} message={span.status.message} />],
            ['Duration', formatDuration(span.durationMs), 'span-duration'],
            ['Starts at', `+${formatDuration(offset)} · ${formatTime(startMs, true)}`],
            ['Service', span.serviceName],
            ...(span.agentName ? [['Agent', span.agentName] as [string, string]] : []),
            ['Span id', <code key="id">{span.spanId}</code>],
          ]}
        />
        <div class="panel-links">
          <Link
            href={`/logs?traceId=${span.traceId}&spanId=${span.spanId}&range=all`}
            data-testid="span-logs-link"
          >
            Logs of this span →
          </Link>
          <Link href={`/audit?traceId=${span.traceId}&spanId=${span.spanId}`} data-testid="span-audit-link">
            Audit entries →
          </Link>
        </div>
      </header>
      {(span.status.code === 'error' || errors.length > 0) && (
        <Section title="Error" testId="error-section">
          {span.status.message && <div class="error-message">{span.status.message}</div>}
          {errors.map((e, i) => (
            <div key={i} class="exception">
              <div>
                <strong data-testid="exception-type">{e.type || 'Exception'}</strong>:{' '}
                <span data-testid="exception-message">{e.message}</span>
              </div>
              {e.stack && <pre class="code stack">{e.stack}</pre>}
            </div>
          ))}
        </Section>
      )}
      {span.kind === 'llm' && <LlmSection span={span} />}
      {span.kind === 'tool' && <ToolSection span={span} />}
      {span.decision && <DecisionSection span={span} />}
      {reasoning && (
        <Section title="Reasoning" testId="reasoning-section">
          <div class="prose">{reasoning}</div>
        </Section>
      )}
      {showIo && (
        <Section title="Input / output">
          {span.input && <pre class="code">{prettyText(span.input)}</pre>}
          {span.output && <pre class="code">{prettyText(span.output)}</pre>}
        </Section>
      )}
      {span.governance && (
        <Section title="Governance">
          <Facts
            rows={Object.entries(span.governance)
              .filter(([, v]) => v !== null)
              .map(([k, v]) => [k, String(v)] as [string, string])}
          />
        </Section>
      )}
      <Section title="Attributes">
        <AttrTable attrs={span.attributes} />
      </Section>
      <Section title={`Events (${span.events.length})`}>
        {span.events.length === 0 ? (
          <div class="muted">none</div>
        ) : (
          span.events.map((e, i) => (
            <div key={i} class="event">
              <div>
                <strong>{e.name}</strong>{' '}
                <span class="muted small">
                  +{formatDuration(Number(BigInt(e.timeUnixNano) - baseNs) / 1e6)}
                </span>
              </div>
              <AttrTable attrs={e.attributes} />
            </div>
          ))
        )}
      </Section>
      <Section title="Resource">
        <AttrTable attrs={span.resource} />
      </Section>
    </aside>
  );
}
