/**
 * The project the UI shows: remembered in localStorage, `default` until someone picks another. The
 * API client sends it as `x-witness-project` on every request, so every answer is that project's.
 */
import { DEFAULT_PROJECT, projectIdSchema } from '@witness/protocol';
import { useEffect, useState } from 'preact/hooks';

const KEY = 'witness.project';
const listeners = new Set<(project: string) => void>();
let current: string | null = null;

export function currentProject(): string {
  if (current !== null) return current;
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    // storage unavailable (private mode): default
  }
  // a malformed saved value would make every request a 400: fall back to default
  current = saved !== null && projectIdSchema.safeParse(saved).success ? saved : DEFAULT_PROJECT;
  return current;
}

export function setProject(project: string): void {
  if (project === currentProject()) return;
  current = project;
  try {
    localStorage.setItem(KEY, project);
  } catch {
    // the choice lasts for this page only
  }
  for (const listener of listeners) listener(project);
}

/** The current project, re-rendering the caller when it changes. */
export function useProject(): string {
  const [project, setState] = useState(currentProject);
  useEffect(() => {
    listeners.add(setState);
    setState(currentProject());
    return () => {
      listeners.delete(setState);
    };
  }, []);
  return project;
}
