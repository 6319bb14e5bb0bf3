import { type ErrorJson, PROJECT_HEADER } from '@witness/protocol';
import { chosenProject } from '../lib/project.js';

/** An API answer that was not 2xx, carrying the server's own message (ErrorJson) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Params = Record<string, string | number | undefined | null>;

/** Build `/api/...?a=b`, dropping empty values so URLs stay short and shareable. */
export function apiUrl(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Told when the API answers 401: the session ended or nobody is signed in. The app then asks
 * /api/auth/me again and shows the sign-in page (lib/me.tsx).
 */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/**
 * The project header, when someone picked a project; without it the server acts in the caller's own.
 * `/api/projects` is always asked without it: it is how the UI learns which projects are the caller's,
 * and a stale choice must not make that answer a 403 too.
 */
function projectHeader(url?: string): Record<string, string> {
  const project = chosenProject();
  return project === null || url?.startsWith('/api/projects') ? {} : { [PROJECT_HEADER]: project };
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal,
      headers: { accept: 'application/json', ...projectHeader(url) },
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, `Cannot reach the Witness server (${(err as Error).message})`);
  }
  return answer<T>(res);
}

/** POST a JSON body (or none) and read the JSON answer. */
export async function postJson<T>(url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers:
        body === undefined
          ? { accept: 'application/json', ...projectHeader() }
          : { accept: 'application/json', 'content-type': 'application/json', ...projectHeader() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, `Cannot reach the Witness server (${(err as Error).message})`);
  }
  return answer<T>(res);
}

async function answer<T>(res: Response): Promise<T> {
  if (res.status === 401) for (const listener of unauthorizedListeners) listener();
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as Partial<ErrorJson>;
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}
