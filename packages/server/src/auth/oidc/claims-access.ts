/**
 * From an ID token's or bearer JWT's claims to what the person may do: a role (viewer, editor, admin)
 * from the role claim and its mapping, and the projects they may act in from the projects claim and its
 * mapping. Pure: the same claims and options always give the same answer.
 */
import { type Access, USER_ROLES, type UserRole } from '@witness/protocol';

export interface ClaimsAccessOptions {
  /** Claim name, or a dotted path into nested claims (`realm_access.roles`). */
  roleClaim: string;
  /** Claim value → role; empty = values must be role names themselves. */
  roleMapping: Readonly<Record<string, UserRole>>;
  defaultRole: UserRole | null;
  projectsClaim: string | null;
  /** Claim value → project ids; empty = values are project ids. */
  projectMapping: Readonly<Record<string, readonly string[]>>;
  defaultProjects: readonly string[];
}

export interface ClaimsAccess {
  /** null: no value of the role claim maps to a role and there is no default: the person may do nothing. */
  role: UserRole | null;
  projects: readonly string[] | '*';
}

const RANK: Record<UserRole, number> = { viewer: 0, editor: 1, admin: 2 };

/** Levels every caller holds (the sign-in steps and the health checks). */
const BASE: readonly Access[] = ['public', 'signin'];
/** viewer → read; editor → read + edit; admin → everything (keys, settings, audit actions, ingest, /metrics). */
export const ROLE_GRANTS: Record<UserRole, ReadonlySet<Access>> = {
  viewer: new Set([...BASE, 'read']),
  editor: new Set([...BASE, 'read', 'edit']),
  admin: new Set([...BASE, 'read', 'edit', 'admin', 'ingest', 'metrics']),
};
export const NO_GRANTS: ReadonlySet<Access> = new Set(BASE);

/**
 * A claim's values as strings. The name is tried as one key first (providers use URLs as claim names,
 * `https://example.com/roles`), then as a dotted path. A string is one value; arrays keep their
 * string members; anything else has no values.
 */
export function claimValues(claims: Record<string, unknown>, name: string): string[] {
  let value: unknown = claims[name];
  if (value === undefined && name.includes('.')) {
    value = claims;
    for (const part of name.split('.')) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      value = (value as Record<string, unknown>)[part];
    }
  }
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}

function roleOf(claims: Record<string, unknown>, o: ClaimsAccessOptions): UserRole | null {
  const mapped = Object.keys(o.roleMapping).length > 0;
  let best: UserRole | null = null;
  for (const value of claimValues(claims, o.roleClaim)) {
    const role = mapped
      ? Object.hasOwn(o.roleMapping, value)
        ? o.roleMapping[value]
        : undefined
      : (USER_ROLES as readonly string[]).includes(value)
        ? (value as UserRole)
        : undefined;
    if (role && (best === null || RANK[role] > RANK[best])) best = role;
  }
  return best ?? o.defaultRole;
}

function projectsOf(claims: Record<string, unknown>, o: ClaimsAccessOptions): readonly string[] | '*' {
  if (o.projectsClaim === null) return o.defaultProjects;
  const mapped = Object.keys(o.projectMapping).length > 0;
  const out = new Set<string>();
  for (const value of claimValues(claims, o.projectsClaim)) {
    const projects = mapped
      ? Object.hasOwn(o.projectMapping, value)
        ? o.projectMapping[value]
        : []
      : [value];
    for (const p of projects ?? []) {
      if (p === '*') return '*';
      out.add(p);
    }
  }
  return out.size > 0 ? [...out].sort() : o.defaultProjects;
}

export function claimsAccess(claims: Record<string, unknown>, o: ClaimsAccessOptions): ClaimsAccess {
  return { role: roleOf(claims, o), projects: projectsOf(claims, o) };
}

export function grantsOf(role: UserRole | null): ReadonlySet<Access> {
  return role === null ? NO_GRANTS : ROLE_GRANTS[role];
}
