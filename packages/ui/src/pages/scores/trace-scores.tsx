/**
 * The scores of one trace (and its spans), and the form a person annotates it with: a name, a value
 * and/or a label, a comment; about the whole trace or the selected span. `POST /api/scores` records
 * who gave it and writes an audit entry.
 */
import type { Page, ScoreJson } from '@witness/protocol';
import { useState } from 'preact/hooks';
import { apiUrl, postJson } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { ScoreChips } from './score-list.js';

export function TraceScores({ traceId, spanId }: { traceId: string; spanId: string | null }) {
  const [reload, setReload] = useState(0);
  const { data } = useApi<Page<ScoreJson>>(apiUrl('/api/scores', { traceId, limit: 200 }), reload);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const body: Record<string, unknown> = { name: text('name'), traceId, source: 'human' };
    if (text('value') !== '') body.value = Number(text('value'));
    if (text('label') !== '') body.label = text('label');
    if (text('comment') !== '') body.comment = text('comment');
    if (text('target') === 'span' && spanId) body.spanId = spanId;
    setSaving(true);
    setError(null);
    try {
      await postJson<ScoreJson>('/api/scores', body);
      form.reset();
      setOpen(false);
      setReload((n) => n + 1);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section class="trace-scores" data-testid="trace-scores">
      <span class="muted small">Scores</span>
      <ScoreChips scores={data?.items ?? []} />
      <button type="button" class="btn btn-small" data-testid="annotate" onClick={() => setOpen(!open)}>
        {open ? 'Cancel' : 'Annotate'}
      </button>
      {open && (
        <form class="annotate-form" data-testid="annotate-form" onSubmit={submit}>
          <label class="field">
            <span>Name</span>
            <input
              name="name"
              required
              maxLength={200}
              placeholder="helpfulness"
              data-testid="annotate-name"
            />
          </label>
          <label class="field">
            <span>Value</span>
            <input
              name="value"
              type="number"
              step="any"
              style={{ width: '6rem' }}
              data-testid="annotate-value"
            />
          </label>
          <label class="field">
            <span>Label</span>
            <input
              name="label"
              maxLength={200}
              placeholder="pass"
              style={{ width: '7rem' }}
              data-testid="annotate-label"
            />
          </label>
          <label class="field">
            <span>About</span>
            <select name="target" data-testid="annotate-target">
              <option value="trace">the trace</option>
              {spanId && <option value="span">the selected span</option>}
            </select>
          </label>
          <label class="field annotate-comment">
            <span>Comment</span>
            <input name="comment" maxLength={4000} data-testid="annotate-comment" />
          </label>
          <button type="submit" class="btn btn-primary" disabled={saving} data-testid="annotate-save">
            Save
          </button>
          {error && (
            <span class="error-text" data-testid="annotate-error">
              {error}
            </span>
          )}
        </form>
      )}
    </section>
  );
}
