import { describe, expect, it } from 'vitest';
import { type AlertEvent, type AlertInstance, stepAlert } from './alert-state.js';

/** Runs a sequence of evaluations (one per 15 s) and collects the events. */
function run(conditions: boolean[], opts: { forMs?: number; keepFiringForMs?: number } = {}) {
  let state: AlertInstance | undefined;
  const events: Array<[number, AlertEvent]> = [];
  const states: string[] = [];
  conditions.forEach((active, i) => {
    const now = 1_000_000 + i * 15_000;
    const { next, event } = stepAlert(state, { active, value: active ? 1 : 0, now, ...opts });
    state = next;
    states.push(next.state);
    if (event) events.push([i, event]);
  });
  return { events, states, state };
}

describe('alert state machine', () => {
  it('pending → firing needs the condition to hold for `for`', () => {
    const { events, states } = run([true, true, true, true, true], { forMs: 45_000 });
    expect(states).toEqual(['pending', 'pending', 'pending', 'firing', 'firing']);
    expect(events).toEqual([[3, 'firing']]);
  });

  it('a pending alert whose condition lapses before `for` never fires and sends nothing', () => {
    const { events, states } = run([true, true, false, true, true, false], { forMs: 45_000 });
    expect(states).toEqual(['pending', 'pending', 'inactive', 'pending', 'pending', 'inactive']);
    expect(events).toEqual([]);
  });

  it('without `for` it fires at the first true evaluation, and only once while it stays true', () => {
    const { events } = run([false, true, true, true, true]);
    expect(events).toEqual([[1, 'firing']]);
  });

  it('resolve is sent once, however long the condition stays false after', () => {
    const { events, states } = run([true, true, false, false, false, false]);
    expect(events).toEqual([
      [0, 'firing'],
      [2, 'resolved'],
    ]);
    expect(states.slice(2)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
  });

  it('flapping within keepFiringFor is one incident: no re-send, one resolve at the end', () => {
    const flapping = [true, false, true, false, true, false, false, false, false, false];
    const { events } = run(flapping, { keepFiringForMs: 60_000 });
    expect(events).toEqual([
      [0, 'firing'],
      [8, 'resolved'], // 60 s after the last true evaluation (index 4)
    ]);
  });

  it('records activeAt, firedAt and resolvedAt for the API', () => {
    const { state } = run([true, true, true, false], { forMs: 15_000 });
    expect(state).toMatchObject({
      state: 'resolved',
      activeAt: 1_000_000,
      firedAt: 1_015_000,
      resolvedAt: 1_045_000,
    });
  });

  it('a resolved alert whose condition returns is a new incident (fires again)', () => {
    const { events } = run([true, false, true]);
    expect(events).toEqual([
      [0, 'firing'],
      [1, 'resolved'],
      [2, 'firing'],
    ]);
  });
});
