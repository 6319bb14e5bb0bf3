/**
 * Silences as Alertmanager has them: a set of label matchers and a time range; an alert matching all
 * matchers of an active silence is not notified. Regex matchers are anchored (`^(?:re)$`), as there.
 */
import safeRegex from 'safe-regex2';
import { randomUUID } from 'node:crypto';
import type { Matcher, SilenceBody, SilenceJson } from '@witness/protocol';
import { silenceBodySchema } from '@witness/protocol';

export interface Silence {
  id: string;
  project: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Most silences a project keeps (expired ones included until they age out): bounds the state file. */
export const MAX_SILENCES_PER_PROJECT = 1000;
/** Expired silences stay listed this long, then are dropped. */
export const EXPIRED_KEPT_MS = 24 * 3_600_000;

const regexCache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`);
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** Whether the labels satisfy one matcher (a missing label reads as ""). */
export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  const hit = m.isRegex ? anchored(m.value).test(v) : v === m.value;
  return m.isEqual ? hit : !hit;
}

export const matchesAll = (ms: readonly Matcher[], labels: Record<string, string>) =>
  ms.every((m) => matches(m, labels));

export function silenceState(s: Silence, now: number): 'active' | 'pending' | 'expired' {
  if (now >= s.endsAt) return 'expired';
  return now < s.startsAt ? 'pending' : 'active';
}

export class SilenceError extends Error {}

/** A silence from an API body; throws SilenceError with a message naming what is wrong. */
export function silenceFromBody(raw: unknown, project: string, now: number): Silence {
  const parsed = silenceBodySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SilenceError(`${issue?.path.map(String).join('.') || 'body'}: ${issue?.message}`);
  }
  const b = parsed.data;
  for (const m of b.matchers) {
    if (m.isRegex) {
      try {
        new RegExp(m.value);
      } catch {
        throw new SilenceError(`matcher ${m.name}: "${m.value}" is not a valid regular expression`);
      }
      // Alertmanager's RE2 is linear; JavaScript's engine backtracks, and label values come from
      // ingested spans: refuse the nested quantifiers that make a match take exponential time (the
      // check the custom redaction detectors already make).
      if (!safeRegex(m.value))
        throw new SilenceError(
          `matcher ${m.name}: "${m.value}" may backtrack catastrophically (nested quantifiers); rewrite it without a quantified group that itself contains a quantifier`,
        );
    }
  }
  // Alertmanager refuses a silence matching everything: at least one matcher must not match "".
  if (b.matchers.every((m) => matches(m, {})))
    throw new SilenceError('every matcher matches the empty label set: such a silence would mute everything');
  const startsAt = b.startsAt ? Date.parse(b.startsAt) : now;
  const endsAt = Date.parse(b.endsAt);
  if (!(endsAt > startsAt)) throw new SilenceError('endsAt must be after startsAt');
  if (endsAt <= now) throw new SilenceError('endsAt is in the past');
  return {
    id: b.id ?? randomUUID(),
    project,
    matchers: b.matchers,
    startsAt,
    endsAt,
    createdBy: b.createdBy,
    comment: b.comment,
  };
}

export function silenceJson(s: Silence, now: number): SilenceJson {
  return {
    id: s.id,
    project: s.project,
    matchers: s.matchers,
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
    status: { state: silenceState(s, now) },
  };
}

export type { SilenceBody };
