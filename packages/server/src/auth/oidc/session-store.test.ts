import { describe, expect, it } from 'vitest';
import { SessionStore, type SessionUser } from './session-store.js';

const user = (subject: string): SessionUser => ({
  subject,
  name: null,
  email: null,
  role: 'viewer',
  projects: ['default'],
  idToken: null,
});

describe('SessionStore', () => {
  it('finds a session by its id only, and forgets it on delete', () => {
    const store = new SessionStore({ maxAgeMs: 60_000, idleMs: 60_000, maxSessions: 10 });
    const { id } = store.create(user('alice'));
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(id)?.subject).toBe('alice');
    expect(store.get(`${id}x`)).toBeNull();
    expect(store.delete(id)?.subject).toBe('alice');
    expect(store.get(id)).toBeNull();
    expect(store.delete(id)).toBeNull();
  });

  it('ends a session at its max age even when used, and after idling', () => {
    let now = 0;
    const store = new SessionStore({ maxAgeMs: 100, idleMs: 30, now: () => now, maxSessions: 10 });
    const a = store.create(user('a')).id;
    const b = store.create(user('b')).id;
    for (now = 20; now < 100; now += 20) expect(store.get(a)?.subject).toBe('a'); // used: stays
    expect(store.get(b)).toBeNull(); // idle since 0
    now = 100;
    expect(store.get(a)).toBeNull(); // max age
  });

  it('holds at most maxSessions, dropping the least recently used', () => {
    const store = new SessionStore({ maxAgeMs: 60_000, idleMs: 60_000, maxSessions: 2 });
    const a = store.create(user('a')).id;
    const b = store.create(user('b')).id;
    store.get(a); // a is now the most recent
    const c = store.create(user('c')).id;
    expect(store.size).toBe(2);
    expect(store.get(b)).toBeNull();
    expect(store.get(a)?.subject).toBe('a');
    expect(store.get(c)?.subject).toBe('c');
  });

  it('sweeps ended sessions', () => {
    let now = 0;
    const store = new SessionStore({ maxAgeMs: 100, idleMs: 50, now: () => now, maxSessions: 10 });
    store.create(user('a'));
    now = 60;
    store.sweep();
    expect(store.size).toBe(0);
  });
});
