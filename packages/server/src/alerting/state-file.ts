/**
 * The alerting state on disk: alerts with their state machines, notification groups (what each
 * receiver was last told) and silences. Written whole to a temporary file, fsynced and renamed over
 * the old one, so a crash leaves either the old state or the new, never half of one.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { AlertRecord } from './alert-state.js';
import type { GroupState } from './notify/plan.js';
import type { Silence } from './silences.js';

export interface AlertingState {
  alerts: AlertRecord[];
  groups: Array<[string, GroupState]>;
  silences: Silence[];
}

const VERSION = 1;
let lastWritten = new Map<string, string>();

export function loadState(path: string): AlertingState {
  if (!existsSync(path)) return { alerts: [], groups: [], silences: [] };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<AlertingState> & { version?: number };
  if (parsed.version !== VERSION)
    throw new Error(`${path}: unknown alerting state version ${parsed.version}`);
  return { alerts: parsed.alerts ?? [], groups: parsed.groups ?? [], silences: parsed.silences ?? [] };
}

export function saveState(path: string, state: AlertingState): void {
  const text = JSON.stringify({ version: VERSION, ...state });
  if (lastWritten.get(path) === text) return; // unchanged: no write, no fsync
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (lastWritten.size > 100) lastWritten = new Map();
  lastWritten.set(path, text);
}
