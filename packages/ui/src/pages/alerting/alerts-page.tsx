/**
 * Alerts: firing, pending and recently resolved alerts of the project (`GET /api/alerts`), each with
 * its labels, value, since, a link to the traces behind it, and a button that silences it for two
 * hours (`POST /api/silences` with matchers on its alertname and, for SLO alerts, its slo).
 */
import type { AlertJson } from '@witness/protocol';
import { useEffect, useState } from 'preact/hooks';
import { apiUrl, postJson } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, Loading } from '../../components/states.js';
import { formatAgo } from '../../lib/format.js';
import { Link } from '../../lib/router.js';

function SilenceButton({ alert, onDone }: { alert: AlertJson; onDone: () => void }) {
  const [message, setMessage] = useState<string | null>(null);
  if (alert.silencedBy.length > 0) return <span class="chip">silenced</span>;
  const matchers = ['alertname', 'slo', 'project']
    .filter((k) => alert.labels[k] !== undefined)
    .map((name) => ({ name, value: alert.labels[name] as string, isRegex: false, isEqual: true }));
  return (
    <span>
      <button
        type="button"
        class="btn btn-small"
        data-testid="silence-button"
        onClick={() =>
          postJson('/api/silences', {
            matchers,
            endsAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
            createdBy: 'ui',
            comment: 'silenced from the Alerts page',
          }).then(onDone, (err: Error) => setMessage(err.message))
        }
      >
        Silence 2 h
      </button>
      {message && <span class="muted">{message}</span>}
    </span>
  );
}

export function AlertsPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  const { data, error } = useApi<{ alerts: AlertJson[] }>(apiUrl('/api/alerts'), tick);
  const order = { firing: 0, pending: 1, resolved: 2, inactive: 3 };
  const alerts = [...(data?.alerts ?? [])].sort((a, b) => order[a.state] - order[b.state]);
  return (
    <div class="page">
      <header class="page-header">
        <h1>Alerts</h1>
        <span class="muted">burn-rate, threshold and absence alerts (docs/alerting.md)</span>
      </header>
      {error ? (
        <Empty title="Alerts are not available">{error.message}</Empty>
      ) : !data ? (
        <Loading />
      ) : alerts.length === 0 ? (
        <Empty title="No alerts">Nothing is firing, pending or recently resolved in this project.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="alert-table">
            <thead>
              <tr>
                <th>State</th>
                <th>Alert</th>
                <th>Labels</th>
                <th>Value</th>
                <th>Since</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr
                  key={a.fingerprint}
                  data-testid="alert-row"
                  data-state={a.state}
                  data-alertname={a.labels.alertname}
                >
                  <td>
                    <span class={`chip${a.state === 'firing' ? ' chip-error' : ''}`}>{a.state}</span>
                  </td>
                  <td>
                    <strong>{a.labels.alertname}</strong>
                    <div class="muted">{a.annotations.summary ?? ''}</div>
                    {a.annotations.runbook_url && (
                      <a href={a.annotations.runbook_url} target="_blank" rel="noreferrer">
                        runbook
                      </a>
                    )}
                  </td>
                  <td class="muted">
                    {Object.entries(a.labels)
                      .filter(([k]) => k !== 'alertname')
                      .map(([k, v]) => `${k}=${v}`)
                      .join(' ')}
                  </td>
                  <td>{a.value === null ? '–' : Math.round(a.value * 100) / 100}</td>
                  <td>{formatAgo(Date.parse(a.since))}</td>
                  <td>
                    {a.tracesUrl && (
                      <Link href={a.tracesUrl} data-testid="alert-traces-link">
                        traces
                      </Link>
                    )}{' '}
                    {a.state !== 'resolved' && (
                      <SilenceButton alert={a} onDone={() => setTick((n) => n + 1)} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
