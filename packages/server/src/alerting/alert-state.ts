/**
 * The alert state machine, pure and taking `now`: inactive → pending → firing → resolved, as
 * Prometheus does it. `for` keeps a condition pending until it held that long; `keepFiringFor` keeps
 * a firing alert firing through short gaps, so a flapping condition is one incident, not many.
 * The event it returns is the only thing that ever causes a notification: one `firing` per incident,
 * one `resolved` per incident.
 */
import type { AlertStateName } from '@witness/protocol';

export interface AlertInstance {
  state: AlertStateName;
  /** When the alert entered its state (epoch ms). */
  since: number;
  /** When the condition became true for this incident (pending began). */
  activeAt: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Last evaluation at which the condition held. */
  lastTrueAt: number | null;
  value: number | null;
}

/** One alert as the engine keeps it (and the state file stores it): identity, labels and its state. */
export interface AlertRecord {
  fingerprint: string;
  rule: string;
  project: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  instance: AlertInstance;
  tracesUrl: string | null;
}

export interface AlertInput {
  active: boolean;
  value: number | null;
  now: number;
  /** @default 0 */
  forMs?: number;
  /** @default 0 */
  keepFiringForMs?: number;
}

export type AlertEvent = 'firing' | 'resolved' | null;

export const INACTIVE: AlertInstance = {
  state: 'inactive',
  since: 0,
  activeAt: null,
  firedAt: null,
  resolvedAt: null,
  lastTrueAt: null,
  value: null,
};

export function stepAlert(
  prev: AlertInstance | undefined,
  input: AlertInput,
): { next: AlertInstance; event: AlertEvent } {
  const p = prev ?? INACTIVE;
  const { active, now, value } = input;
  const forMs = input.forMs ?? 0;
  const keepMs = input.keepFiringForMs ?? 0;

  if (p.state === 'firing') {
    if (active) return { next: { ...p, lastTrueAt: now, value }, event: null };
    // still within keepFiringFor of the last true evaluation: one incident, nothing sent
    if (p.lastTrueAt !== null && now - p.lastTrueAt < keepMs) return { next: { ...p, value }, event: null };
    return {
      next: { ...p, state: 'resolved', since: now, resolvedAt: now, value },
      event: 'resolved',
    };
  }

  if (!active) {
    // pending that did not last `for` ends quietly; inactive and resolved stay as they are
    if (p.state === 'pending')
      return { next: { ...INACTIVE, state: 'inactive', since: now, value }, event: null };
    return { next: { ...p, value }, event: null };
  }

  // active, not firing
  const activeAt = p.state === 'pending' && p.activeAt !== null ? p.activeAt : now;
  if (now - activeAt >= forMs) {
    return {
      next: { state: 'firing', since: now, activeAt, firedAt: now, resolvedAt: null, lastTrueAt: now, value },
      event: 'firing',
    };
  }
  if (p.state === 'pending') return { next: { ...p, lastTrueAt: now, value }, event: null };
  return {
    next: { state: 'pending', since: now, activeAt, firedAt: null, resolvedAt: null, lastTrueAt: now, value },
    event: null,
  };
}
