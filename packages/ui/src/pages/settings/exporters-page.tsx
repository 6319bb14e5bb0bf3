/**
 * Settings → Exporters: every forwarder of this Witness (`GET /api/exporters`, admin access) with its
 * state, queue depth and lag, what it sent, dropped and dead-lettered, and its last error.
 */
import type { ExporterList, ExporterStatusView } from '@witness/protocol';
import { useEffect, useState } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, Loading } from '../../components/states.js';
import { formatAgo, formatTime } from '../../lib/format.js';

const STATE_CLASS: Record<ExporterStatusView['state'], string> = {
  idle: 'chip chip-ok',
  batching: 'chip chip-ok',
  sending: 'chip',
  retrying: 'chip chip-error',
  stopped: 'chip',
};

function lag(seconds: number): string {
  if (seconds < 1) return '0 s';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(b < 10 * 1024 * 1024 ? 2 : 0)} MiB`;

export function ExportersPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 3000);
    return () => clearInterval(t);
  }, []);
  const { data, error } = useApi<ExporterList>(apiUrl('/api/exporters'), tick);
  return (
    <div class="page">
      <header class="page-header">
        <h1>Exporters</h1>
        <span class="muted">
          forwarders to the backends you already run, from the exporters: section (docs/exporters.md)
        </span>
      </header>
      {error ? (
        <Empty title="Exporters are not available">{error.message}</Empty>
      ) : !data ? (
        <Loading />
      ) : data.exporters.length === 0 ? (
        <Empty title="No exporters configured">
          Add them under exporters: in the config file (docs/exporters.md).
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="exporter-table">
            <thead>
              <tr>
                <th>Exporter</th>
                <th>State</th>
                <th>Queued</th>
                <th>Lag</th>
                <th>Sent</th>
                <th>Failed attempts</th>
                <th>Dropped</th>
                <th>Dead-lettered</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {data.exporters.map((e) => (
                <tr key={e.name} data-testid="exporter-row" data-exporter={e.name} data-state={e.state}>
                  <td>
                    <strong>{e.name}</strong>
                    <div class="muted">{e.type}</div>
                  </td>
                  <td>
                    <span class={STATE_CLASS[e.state]} data-testid="exporter-state">
                      {e.state}
                    </span>
                    {e.nextAttemptAt && (
                      <div class="muted">next attempt {formatTime(Date.parse(e.nextAttemptAt))}</div>
                    )}
                  </td>
                  <td data-testid="exporter-queued">
                    {e.queue.records}
                    <div class="muted">
                      {mib(e.queue.bytes)} of {mib(e.queue.maxBytes)}
                    </div>
                  </td>
                  <td data-testid="exporter-lag">{lag(e.queue.oldestAgeSeconds)}</td>
                  <td data-testid="exporter-sent">{e.sent}</td>
                  <td>{e.failedAttempts}</td>
                  <td data-testid="exporter-dropped">{e.dropped}</td>
                  <td data-testid="exporter-dead">{e.deadLettered}</td>
                  <td data-testid="exporter-error">
                    {e.lastError ? (
                      <>
                        {e.lastError.message}
                        <div class="muted">{formatAgo(Date.parse(e.lastError.at))}</div>
                      </>
                    ) : (
                      '–'
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
