/**
 * What each receiver type is sent, as pure functions of a group's alerts:
 * - webhook: Alertmanager's webhook payload, version "4", so every existing Alertmanager webhook
 *   receiver works unchanged (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config);
 * - slack: an incoming-webhook message (text + Block Kit blocks, https://api.slack.com/messaging/webhooks);
 * - pagerduty: Events API v2 trigger/resolve with a dedup_key per group
 *   (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/);
 * - alertmanager: the body of Alertmanager's `POST /api/v2/alerts` (postableAlerts).
 */
import { createHash } from 'node:crypto';

export interface NotifiedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** When it resolved; null while firing. */
  endsAt: number | null;
  generatorURL: string;
}

export interface NotificationGroup {
  receiver: string;
  /** Stable key of the group: receiver and the grouping labels' values. */
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: NotifiedAlert[];
  externalURL: string;
}

/** Alertmanager writes "zero time" for an alert without an end. */
const ZERO_TIME = '0001-01-01T00:00:00Z';
const iso = (ms: number) => new Date(ms).toISOString();

function common(records: Array<Record<string, string>>): Record<string, string> {
  if (records.length === 0) return {};
  const out: Record<string, string> = { ...records[0] };
  for (const r of records.slice(1)) for (const k of Object.keys(out)) if (r[k] !== out[k]) delete out[k];
  return out;
}

export const groupStatus = (g: NotificationGroup): 'firing' | 'resolved' =>
  g.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';

export function webhookPayload(g: NotificationGroup) {
  return {
    version: '4',
    groupKey: g.groupKey,
    truncatedAlerts: 0,
    status: groupStatus(g),
    receiver: g.receiver,
    groupLabels: g.groupLabels,
    commonLabels: common(g.alerts.map((a) => a.labels)),
    commonAnnotations: common(g.alerts.map((a) => a.annotations)),
    externalURL: g.externalURL,
    alerts: g.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: a.endsAt === null ? ZERO_TIME : iso(a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
  };
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function title(g: NotificationGroup): string {
  const firing = g.alerts.filter((a) => a.status === 'firing').length;
  const name = g.groupLabels.alertname ?? g.alerts[0]?.labels.alertname ?? 'alert';
  const slo = g.groupLabels.slo ? ` (SLO ${g.groupLabels.slo})` : '';
  return firing > 0 ? `[FIRING:${firing}] ${name}${slo}` : `[RESOLVED] ${name}${slo}`;
}

function alertLine(a: NotifiedAlert): string {
  const summary = a.annotations.summary ?? a.labels.alertname ?? a.fingerprint;
  const runbook = a.annotations.runbook_url ? ` <${a.annotations.runbook_url}|runbook>` : '';
  return `${a.status === 'firing' ? ':red_circle:' : ':large_green_circle:'} ${summary}${runbook}`;
}

export function slackPayload(g: NotificationGroup, channel?: string) {
  const head = title(g);
  const lines = g.alerts.slice(0, 20).map(alertLine);
  if (g.alerts.length > 20) lines.push(`…and ${g.alerts.length - 20} more`);
  return {
    ...(channel ? { channel } : {}),
    username: 'Witness',
    text: clip(head, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(head, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: clip(`<${g.externalURL}/alerts|Open in Witness>`, 3000) }],
      },
    ],
  };
}

/** PagerDuty's severities; a `severity` label maps onto them (page → critical, ticket → warning). */
function pdSeverity(labels: Record<string, string>): 'critical' | 'error' | 'warning' | 'info' {
  const s = labels.severity;
  if (s === 'page' || s === 'critical') return 'critical';
  if (s === 'error') return 'error';
  if (s === 'info') return 'info';
  return 'warning';
}

export const pagerDutyDedupKey = (g: Pick<NotificationGroup, 'receiver' | 'groupKey'>) =>
  createHash('sha256').update(`${g.receiver}\n${g.groupKey}`).digest('hex').slice(0, 40);

export function pagerDutyPayload(g: NotificationGroup, routingKey: string) {
  const dedupKey = pagerDutyDedupKey(g);
  if (groupStatus(g) === 'resolved')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const firing = g.alerts.filter((a) => a.status === 'firing');
  const first = firing[0] as NotifiedAlert;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: clip(`${title(g)}: ${first.annotations.summary ?? ''}`.trim(), 1024),
      source: clip(first.labels.service ?? 'witness', 255),
      severity: pdSeverity(first.labels),
      timestamp: iso(first.startsAt),
      component: first.labels.service,
      group: first.labels.project,
      class: first.labels.alertname,
      custom_details: {
        firing: firing.map((a) => ({ labels: a.labels, annotations: a.annotations })),
        resolved: g.alerts.filter((a) => a.status === 'resolved').length,
      },
    },
    client: 'Witness',
    client_url: `${g.externalURL}/alerts`,
    links: firing
      .filter((a) => a.annotations.runbook_url)
      .slice(0, 5)
      .map((a) => ({ href: a.annotations.runbook_url as string, text: 'Runbook' })),
  };
}

/** Alertmanager's postableAlerts: each alert with its labels; endsAt tells it when to stop showing one. */
export function alertmanagerPayload(alerts: NotifiedAlert[], firingEndsAt: number) {
  return alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAt),
    endsAt: iso(a.endsAt ?? firingEndsAt),
    generatorURL: a.generatorURL,
  }));
}
