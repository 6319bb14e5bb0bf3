import { useEffect, useState } from 'preact/hooks';
import { useProject } from '../lib/project.js';
import { getJson } from './client.js';

export interface ApiState<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  /** The project `data` belongs to: kept data of another project is dropped, never shown. */
  project?: string;
  /** The URL whose answer `data` is: while a newer URL loads, `data` is still the older answer. */
  dataUrl?: string | null;
}

/**
 * Fetch JSON whenever `url` changes; a newer URL aborts the older request so a fast typist never sees
 * stale rows. `url` null means "nothing to fetch yet". A new project fetches again (the request
 * carries the project header, not the URL): no answer of one project is shown in another.
 */
export function useApi<T>(url: string | null, reloadKey = 0): ApiState<T> {
  const project = useProject();
  const [state, setState] = useState<ApiState<T>>({ data: null, error: null, loading: url !== null });
  useEffect(() => {
    if (url === null) {
      setState({ data: null, error: null, loading: false, project, dataUrl: null });
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({
      data: s.project === project ? s.data : null,
      error: null,
      loading: true,
      project,
      dataUrl: s.project === project ? s.dataUrl : null,
    }));
    getJson<T>(url, ctrl.signal).then(
      (data) => setState({ data, error: null, loading: false, project, dataUrl: url }),
      (error: Error) => {
        if (error.name !== 'AbortError')
          setState({ data: null, error, loading: false, project, dataUrl: url });
      },
    );
    return () => ctrl.abort();
  }, [url, reloadKey, project]);
  return state;
}
