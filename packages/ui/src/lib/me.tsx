/**
 * Who is signed in (GET /api/auth/me), for the whole app: the sign-in page when the server wants a
 * credential and the browser has none, the user menu, and which controls to show (a viewer sees no
 * admin controls — the server refuses them anyway; hiding them only spares a 403).
 */
import { type Access, LOGOUT_PATH, type LogoutJson, ME_PATH, type MeJson } from '@witness/protocol';
import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { getJson, onUnauthorized, postJson } from '../api/client.js';

export interface MeState {
  me: MeJson | null;
  /** Could not ask (server down): the app shows its pages, whose own errors say so. */
  error: Error | null;
}

const MeContext = createContext<MeJson | null>(null);

export function useMe(): MeJson | null {
  return useContext(MeContext);
}

/** May the current caller use routes of this access level? Unknown (still loading) = no. */
export function can(me: MeJson | null, level: Access): boolean {
  return me?.principal?.access.includes(level) ?? false;
}

/** Does the server want a credential this browser does not have? Then show the sign-in page. */
export function needsSignIn(me: MeJson | null): boolean {
  return me?.authEnabled === true && me.principal === null;
}

/** Loads /api/auth/me, and again whenever an API call answers 401 (the session ended). */
export function useMeState(): MeState {
  const [state, setState] = useState<MeState>({ me: null, error: null });
  useEffect(() => {
    let stale = false;
    const load = () =>
      getJson<MeJson>(ME_PATH).then(
        (me) => !stale && setState({ me, error: null }),
        (error: Error) => !stale && setState((s) => ({ me: s.me, error })),
      );
    load();
    const off = onUnauthorized(load);
    return () => {
      stale = true;
      off();
    };
  }, []);
  return state;
}

export function MeProvider({ me, children }: { me: MeJson | null; children: ComponentChildren }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

/** Ends the session, then goes where the server says (the provider's sign-out page, or /). */
export async function signOut(): Promise<void> {
  const { redirect } = await postJson<LogoutJson>(LOGOUT_PATH);
  window.location.assign(redirect);
}
