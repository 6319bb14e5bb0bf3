/** Scores as chips: name, value or label, who gave them; hover for the comment. */
import type { ScoreJson } from '@witness/protocol';

function shown(s: ScoreJson): string {
  // three decimals at most, trailing zeros dropped: 0.5, 0.125, 3
  const v = s.value === null ? '' : String(Number(s.value.toFixed(3)));
  if (v && s.label) return `${v} · ${s.label}`;
  return v || s.label || '';
}

export function ScoreChips({ scores, testId = 'score-chips' }: { scores: ScoreJson[]; testId?: string }) {
  if (scores.length === 0)
    return (
      <span class="muted small" data-testid={testId}>
        No scores yet
      </span>
    );
  return (
    <div class="score-chips" data-testid={testId}>
      {scores.map((s) => (
        <span
          key={s.id}
          class={`chip score-chip score-${s.source}`}
          data-testid="score-chip"
          data-score-name={s.name}
          data-score-source={s.source}
          title={`${s.name} = ${shown(s)}\n${s.source}${s.author ? ` · ${s.author}` : ''}${s.spanId ? ` · span ${s.spanId}` : ''}${s.comment ? `\n${s.comment}` : ''}`}
        >
          <span class="score-name">{s.name}</span> <strong>{shown(s)}</strong>
          <span class="muted small"> {s.source}</span>
        </span>
      ))}
    </div>
  );
}
