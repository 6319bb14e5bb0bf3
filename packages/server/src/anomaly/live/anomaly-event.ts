/** An anomaly event as the live detectors emit it and the event store keeps it. */
import type { AnomalyJson } from '@witness/protocol';

export type AnomalyLabels = AnomalyJson['labels'];

export interface AnomalyEvent extends AnomalyJson {
  /** The project the spans behind it belong to; events are only ever listed within it. */
  project: string;
}

export const NO_LABELS: AnomalyLabels = { service: null, agent: null, model: null, tool: null };

/** q/(1+q) with q = ratio / threshold: 0.5 exactly at the threshold, like the series detector's score. */
export function ratioScore(ratio: number, threshold: number): number {
  const q = ratio / threshold;
  return q / (1 + q);
}

/** A readable number for messages (no 17-digit floats). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e6)) return v.toExponential(2);
  return String(Math.round(v * 100) / 100);
}
