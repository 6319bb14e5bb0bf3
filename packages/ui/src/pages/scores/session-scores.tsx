/** The scores of a session and of its traces (the session page): `GET /api/scores?sessionId=`. */
import type { Page, ScoreJson } from '@witness/protocol';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { ScoreChips } from './score-list.js';

export function SessionScores({ sessionId }: { sessionId: string }) {
  const { data } = useApi<Page<ScoreJson>>(apiUrl('/api/scores', { sessionId, limit: 200 }));
  return (
    <section class="trace-scores" data-testid="session-scores">
      <span class="muted small">Scores</span>
      <ScoreChips scores={data?.items ?? []} />
    </section>
  );
}
