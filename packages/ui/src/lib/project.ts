/**
 * The project the UI shows. Someone who picked one in the switcher has it remembered in localStorage
 * and sent as `x-witness-project` on every request, so every answer is that project's. Until then no
 * header is sent and the server acts in the caller's own project (a key's project, a signed-in
 * person's first project, `default` with auth off); the switcher learns which from GET /api/projects.
 * A remembered project the caller may not act in (another person's choice on a shared browser, a
 * revoked grant) is forgotten as soon as /api/projects shows it is not theirs: it would make every
 * request a 403.
 */
import { DEFAULT_PROJECT, projectIdSchema } from '@witness/protocol';
import { useEffect, useState } from 'preact/hooks';

const KEY = 'witness.project';
const listeners = new Set<(project: string) => void>();
/** undefined: not read from storage yet; null: nobody chose, the server picks. */
let chosen: string | null | undefined;
/** The project the server acts in when no header is sent (from /api/projects). */
let serverProject = DEFAULT_PROJECT;

/** The project picked in the switcher (sent as the header), or null when the server picks. */
export function chosenProject(): string | null {
  if (chosen !== undefined) return chosen;
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    // storage unavailable (private mode): nothing chosen
  }
  // a malformed saved value would make every request a 400: ignore it
  chosen = saved !== null && projectIdSchema.safeParse(saved).success ? saved : null;
  return chosen;
}

/** The project the UI is showing. */
export function currentProject(): string {
  return chosenProject() ?? serverProject;
}

function notify(before: string): void {
  const now = currentProject();
  if (now !== before) for (const listener of listeners) listener(now);
}

/** Pick a project (null: forget the choice and let the server pick). */
export function setProject(project: string | null): void {
  const before = currentProject();
  chosen = project;
  try {
    if (project === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, project);
  } catch {
    // the choice lasts for this page only
  }
  notify(before);
}

/** What GET /api/projects (asked without the header) said: the caller's projects and their default. */
export function learnProjects(allowed: readonly string[], serverDefault: string): void {
  const before = currentProject();
  serverProject = serverDefault;
  const choice = chosenProject();
  if (choice !== null && !allowed.includes(choice)) setProject(null);
  else notify(before);
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
