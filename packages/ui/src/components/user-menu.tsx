/** Who is signed in, with which role, and a way out. Shown for signed-in people only (not keys). */
import { useState } from 'preact/hooks';
import { signOut, useMe } from '../lib/me.js';

export function UserMenu() {
  const me = useMe();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const p = me?.principal;
  if (p?.kind !== 'user') return null;
  const label = p.name ?? p.email ?? p.subject;
  return (
    <div class="user-menu" data-testid="user-menu">
      <button
        type="button"
        class="btn btn-ghost user-menu-button"
        aria-expanded={open}
        data-testid="user-menu-button"
        onClick={() => setOpen(!open)}
      >
        <span class="user-name" data-testid="user-name">
          {label}
        </span>
        <span class="chip user-role" data-testid="user-role">
          {p.role ?? 'no role'}
        </span>
      </button>
      {open && (
        <div class="user-menu-panel" role="menu">
          {p.email && <div class="muted">{p.email}</div>}
          <div class="muted">Projects: {p.projects === '*' ? 'all' : p.projects.join(', ')}</div>
          <button
            type="button"
            class="btn"
            role="menuitem"
            data-testid="signout-button"
            onClick={() => signOut().catch((err: Error) => setError(err.message))}
          >
            Sign out
          </button>
          {error && <div class="error-text">{error}</div>}
        </div>
      )}
    </div>
  );
}
