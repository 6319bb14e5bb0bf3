/** Shown instead of the app when the server wants a credential and this browser has none. */
import { LOGIN_PATH, type MeJson } from '@witness/protocol';
import { apiUrl } from '../api/client.js';
import { useLocation } from '../lib/router.js';

export function SignInPage({ me }: { me: MeJson }) {
  const loc = useLocation();
  const here = `${loc.path}${loc.query.toString() ? `?${loc.query.toString()}` : ''}`;
  return (
    <div class="signin" data-testid="signin-page">
      <div class="signin-card">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true" />
          Witness
        </div>
        <h1>Sign in</h1>
        {me.oidc ? (
          <>
            <p class="muted">This Witness server needs you to sign in with your organisation's account.</p>
            {/* a plain link, not fetch: the browser itself must follow the redirects to the provider */}
            <a
              class="btn btn-primary signin-button"
              data-testid="signin-button"
              href={apiUrl(LOGIN_PATH, { returnTo: here })}
            >
              Sign in with single sign-on
            </a>
          </>
        ) : (
          <p class="muted">
            This server requires authentication, and sign-in for people (OIDC) is not configured. Ask an
            administrator to set <code>auth.oidc.issuer</code>, or use the API with a key from{' '}
            <code>witness keys create</code>.
          </p>
        )}
      </div>
    </div>
  );
}
