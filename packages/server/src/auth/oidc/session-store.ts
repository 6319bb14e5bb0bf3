/**
 * Signed-in people, server-side and in memory. The cookie carries only a random 256-bit session id;
 * the store keeps a SHA-256 of it (a heap dump does not hand out live cookies) with who the person is,
 * the role and projects mapped at sign-in, and the ID token for the provider's sign-out.
 *
 * Why a server-side store rather than an encrypted cookie: sign-out then really ends the session (a
 * copied cookie is worthless at once), the cookie stays small whatever the provider puts in its
 * tokens, and no long-lived cookie-encryption secret has to be configured and rotated. The price: a
 * restart signs everyone out, and several query nodes need sticky sessions (docs/security.md).
 *
 * Bounded: a session ends `maxAgeMs` after sign-in or `idleMs` after its last request, whichever comes
 * first; past `maxSessions` the least recently used session is dropped (Map order is insertion order
 * and a session is re-inserted on each use).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { UserRole } from '@witness/protocol';

export interface SessionUser {
  subject: string;
  name: string | null;
  email: string | null;
  role: UserRole | null;
  projects: readonly string[] | '*';
  /** For id_token_hint at the provider's end-session endpoint. */
  idToken: string | null;
}

export interface Session extends SessionUser {
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStoreOptions {
  maxAgeMs: number;
  idleMs: number;
  maxSessions: number;
  /** @default Date.now */
  now?: () => number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A new session; the returned id goes into the cookie and nowhere else. */
  create(user: SessionUser): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = { ...user, createdAt: now, lastSeenAt: now };
    while (this.sessions.size >= this.options.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session of a cookie value (its idle clock restarts), or null when unknown or ended. */
  get(id: string): Session | null {
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return null;
    const now = this.now();
    this.sessions.delete(key);
    if (now - session.createdAt >= this.options.maxAgeMs || now - session.lastSeenAt >= this.options.idleMs)
      return null;
    session.lastSeenAt = now;
    this.sessions.set(key, session);
    return session;
  }

  /** Ends a session (sign-out); returns it when it was live. */
  delete(id: string): Session | null {
    const key = digest(id);
    const session = this.sessions.get(key) ?? null;
    this.sessions.delete(key);
    return session;
  }

  /** Drops ended sessions (called now and then, so idle sessions do not wait for eviction). */
  sweep(): void {
    const now = this.now();
    for (const [key, s] of this.sessions)
      if (now - s.createdAt >= this.options.maxAgeMs || now - s.lastSeenAt >= this.options.idleMs)
        this.sessions.delete(key);
  }

  get size(): number {
    return this.sessions.size;
  }
}
