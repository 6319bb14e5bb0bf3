/**
 * Grouping, group wait/interval, repeat interval and dedupe, as Alertmanager's dispatcher does them,
 * but pure: given the current alerts, what was sent before and `now`, which notifications go out.
 * The caller records a notification as sent (`markSent`) only once its receiver took it, and
 * persists the group state, so a restart neither loses nor re-sends one.
 */
import type { Route } from '@witness/protocol';
import { matchesAll } from '../silences.js';
import type { NotificationGroup, NotifiedAlert } from './payloads.js';

export interface GroupState {
  receiver: string;
  groupLabels: Record<string, string>;
  /** When the group got its first alert (group wait counts from here). */
  createdAt: number;
  lastSentAt: number | null;
  /** Identity of the last notification's content: fingerprints and statuses. */
  lastSentHash: string | null;
  /** Last attempt that failed (retried after group interval). */
  lastFailedAt: number | null;
  /** What each alert was last sent as (resolved ones are sent once, then forgotten). */
  sent: Record<string, 'firing' | 'resolved'>;
}

export interface CurrentAlert extends NotifiedAlert {
  /** Silenced alerts are left out of every notification. */
  silenced: boolean;
}

export interface PlanOptions {
  route: Route;
  /** Default receiver when the route names none. */
  defaultReceiver: string | null;
  /** Receivers that are Alertmanagers: they get every alert at once and again every `resendMs`. */
  alertmanagers: ReadonlySet<string>;
  /** @default 60_000 */
  resendMs?: number;
}

export interface PlannedNotification {
  key: string;
  group: Omit<NotificationGroup, 'externalURL'>;
  hash: string;
}

export function receiverFor(labels: Record<string, string>, opts: PlanOptions): string | null {
  for (const r of opts.route.routes) if (matchesAll(r.matchers, labels)) return r.receiver;
  return opts.route.receiver ?? opts.defaultReceiver;
}

export function groupKeyOf(receiver: string, labels: Record<string, string>, groupBy: string[]) {
  const all = groupBy.includes('...');
  const names = all ? Object.keys(labels).sort() : groupBy;
  const groupLabels: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined) groupLabels[n] = labels[n];
  const key = `${receiver}:{${Object.entries(groupLabels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
  return { key, groupLabels };
}

const hashOf = (alerts: NotifiedAlert[]) =>
  alerts
    .map((a) => `${a.fingerprint}:${a.status}`)
    .sort()
    .join(',');

/** Decide the notifications due now; creates and drops group states in `groups` as alerts come and go. */
export function planNotifications(
  groups: Map<string, GroupState>,
  alerts: CurrentAlert[],
  opts: PlanOptions,
  now: number,
): PlannedNotification[] {
  const members = new Map<string, CurrentAlert[]>();
  const labelsOf = new Map<string, { receiver: string; groupLabels: Record<string, string> }>();
  for (const a of alerts) {
    if (a.silenced) continue;
    const receiver = receiverFor(a.labels, opts);
    if (!receiver) continue;
    const { key, groupLabels } = groupKeyOf(receiver, a.labels, opts.route.groupBy);
    let list = members.get(key);
    if (!list) {
      list = [];
      members.set(key, list);
      labelsOf.set(key, { receiver, groupLabels });
    }
    list.push(a);
  }
  const out: PlannedNotification[] = [];
  for (const key of new Set([...members.keys(), ...groups.keys()])) {
    const list = members.get(key) ?? [];
    let g = groups.get(key);
    // what this notification would say: firing alerts, and resolved ones that were sent as firing
    const content = list.filter(
      (a) => a.status === 'firing' || (g !== undefined && g.sent[a.fingerprint] === 'firing'),
    );
    if (content.length === 0) {
      // nothing to say and nothing outstanding: the group ends (a later alert starts a new one)
      if (g && !Object.values(g.sent).includes('firing')) groups.delete(key);
      continue;
    }
    if (!g) {
      const l = labelsOf.get(key) as { receiver: string; groupLabels: Record<string, string> };
      g = { ...l, createdAt: now, lastSentAt: null, lastSentHash: null, lastFailedAt: null, sent: {} };
      groups.set(key, g);
    }
    const hash = hashOf(content);
    const am = opts.alertmanagers.has(g.receiver);
    const groupWait = am ? 0 : opts.route.groupWait;
    const groupInterval = am ? 0 : opts.route.groupInterval;
    const repeat = am ? (opts.resendMs ?? 60_000) : opts.route.repeatInterval;
    if (g.lastFailedAt !== null && now - g.lastFailedAt < Math.max(groupInterval, 10_000)) continue;
    let due: boolean;
    if (g.lastSentAt === null) due = now - g.createdAt >= groupWait;
    else if (hash !== g.lastSentHash) due = now - g.lastSentAt >= groupInterval;
    else due = content.some((a) => a.status === 'firing') && now - g.lastSentAt >= repeat;
    if (!due) continue;
    out.push({
      key,
      hash,
      group: { receiver: g.receiver, groupKey: key, groupLabels: g.groupLabels, alerts: content },
    });
  }
  return out;
}

/** The receiver took the notification: remember what it now knows. */
export function markSent(groups: Map<string, GroupState>, n: PlannedNotification, now: number): void {
  const g = groups.get(n.key);
  if (!g) return;
  g.lastSentAt = now;
  g.lastSentHash = n.hash;
  g.lastFailedAt = null;
  for (const a of n.group.alerts) {
    if (a.status === 'firing') g.sent[a.fingerprint] = 'firing';
    else delete g.sent[a.fingerprint]; // resolved: sent once, then forgotten
  }
}

export function markFailed(groups: Map<string, GroupState>, n: PlannedNotification, now: number): void {
  const g = groups.get(n.key);
  if (g) g.lastFailedAt = now;
}
