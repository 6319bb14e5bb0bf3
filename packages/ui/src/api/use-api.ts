import { useEffect, useState } from 'preact/hooks';
import { getJson } from './client.js';

export interface ApiState<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
}

/**
 * Fetch JSON whenever `url` changes; a newer URL aborts the older request so a fast typist never sees
 * stale rows. `url` null means "nothing to fetch yet".
 */
export function useApi<T>(url: string | null, reloadKey = 0): ApiState<T> {
  const [state, setState] = useState<ApiState<T>>({ data: null, error: null, loading: url !== null });
  useEffect(() => {
    if (url === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    getJson<T>(url, ctrl.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState({ data: null, error, loading: false });
      },
    );
    return () => ctrl.abort();
  }, [url, reloadKey]);
  return state;
}
