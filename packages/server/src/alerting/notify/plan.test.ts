import { routeSchema } from '@witness/protocol';
import { describe, expect, it } from 'vitest';
import { type CurrentAlert, type GroupState, markSent, planNotifications } from './plan.js';

const route = routeSchema.parse({
  receiver: 'hook',
  groupWait: '30s',
  groupInterval: '5m',
  repeatInterval: '4h',
  routes: [{ matchers: ['severity="page"'], receiver: 'pd' }],
});
const opts = { route, defaultReceiver: null, alertmanagers: new Set<string>() };
const alert = (
  fp: string,
  labels: Record<string, string>,
  status: 'firing' | 'resolved' = 'firing',
  silenced = false,
): CurrentAlert => ({
  fingerprint: fp,
  status,
  labels: { alertname: 'ErrorBudgetBurn', ...labels },
  annotations: {},
  startsAt: 0,
  endsAt: status === 'resolved' ? 1 : null,
  generatorURL: '',
  silenced,
});

/** Plans at `now`, marking every planned notification as delivered. */
function step(groups: Map<string, GroupState>, alerts: CurrentAlert[], now: number) {
  const planned = planNotifications(groups, alerts, opts, now);
  for (const n of planned) markSent(groups, n, now);
  return planned.map(
    (n) => `${n.group.receiver}:${n.group.alerts.map((a) => `${a.fingerprint}=${a.status}`).join(',')}`,
  );
}

describe('notification planning (grouping, waits, dedupe)', () => {
  it('waits groupWait, groups by labels, routes by matcher, and does not re-send an unchanged group', () => {
    const groups = new Map<string, GroupState>();
    const a = alert('a', { slo: 'checkout', severity: 'ticket' });
    const b = alert('b', { slo: 'checkout', severity: 'ticket', model: 'x' });
    const p = alert('p', { slo: 'search', severity: 'page' });
    expect(step(groups, [a, p], 0)).toEqual([]); // group wait
    expect(step(groups, [a, b, p], 30_000)).toEqual(['hook:a=firing,b=firing', 'pd:p=firing']);
    expect(step(groups, [a, b, p], 60_000)).toEqual([]); // unchanged: nothing
    expect(step(groups, [a, b, p], 4 * 3_600_000 + 30_000)).toEqual([
      'hook:a=firing,b=firing',
      'pd:p=firing',
    ]); // repeat
  });

  it('a change waits for groupInterval; a resolved alert is sent once, then forgotten', () => {
    const groups = new Map<string, GroupState>();
    const a = alert('a', { slo: 'checkout' });
    step(groups, [a], 0);
    expect(step(groups, [a], 30_000)).toEqual(['hook:a=firing']);
    const resolved = alert('a', { slo: 'checkout' }, 'resolved');
    expect(step(groups, [resolved], 60_000)).toEqual([]); // within group interval
    expect(step(groups, [resolved], 330_000)).toEqual(['hook:a=resolved']);
    expect(step(groups, [resolved], 700_000)).toEqual([]);
    expect(groups.size).toBe(0);
  });

  it('leaves silenced alerts out, and never sends a resolve for an alert never sent as firing', () => {
    const groups = new Map<string, GroupState>();
    const quiet = alert('q', { slo: 'checkout' }, 'firing', true);
    expect(step(groups, [quiet], 0)).toEqual([]);
    expect(step(groups, [quiet], 60_000)).toEqual([]);
    expect(step(groups, [alert('q', { slo: 'checkout' }, 'resolved', true)], 400_000)).toEqual([]);
    expect(step(groups, [alert('q', { slo: 'checkout' }, 'resolved')], 800_000)).toEqual([]);
  });
});
