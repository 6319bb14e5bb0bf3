import { describe, expect, it } from 'vitest';
import { type ClaimsAccessOptions, claimsAccess, claimValues, grantsOf } from './claims-access.js';

const base: ClaimsAccessOptions = {
  roleClaim: 'roles',
  roleMapping: {},
  defaultRole: null,
  projectsClaim: null,
  projectMapping: {},
  defaultProjects: ['default'],
};

describe('claimValues', () => {
  it('reads a plain name, a URL-like name with dots, and a dotted path', () => {
    expect(claimValues({ roles: 'admin' }, 'roles')).toEqual(['admin']);
    expect(claimValues({ 'https://x.example/roles': ['a', 1, 'b'] }, 'https://x.example/roles')).toEqual([
      'a',
      'b',
    ]);
    expect(claimValues({ realm_access: { roles: ['editor'] } }, 'realm_access.roles')).toEqual(['editor']);
    expect(claimValues({ realm_access: ['x'] }, 'realm_access.roles')).toEqual([]);
    expect(claimValues({ roles: { admin: true } }, 'roles')).toEqual([]);
    expect(claimValues({}, 'roles')).toEqual([]);
  });
});

describe('claimsAccess', () => {
  it('takes role names as they are when no mapping is given, the highest one winning', () => {
    expect(claimsAccess({ roles: ['viewer', 'admin'] }, base).role).toBe('admin');
    expect(claimsAccess({ roles: ['superuser'] }, base).role).toBeNull();
    expect(claimsAccess({}, { ...base, defaultRole: 'viewer' }).role).toBe('viewer');
  });

  it('maps claim values to roles when a mapping is given, and ignores unmapped ones (even role names)', () => {
    const o = {
      ...base,
      roleClaim: 'groups',
      roleMapping: { 'witness-ops': 'editor', sre: 'viewer' },
    } as const;
    expect(claimsAccess({ groups: ['sre', 'witness-ops'] }, o).role).toBe('editor');
    expect(claimsAccess({ groups: ['admin'] }, o).role).toBeNull();
    // a mapping key named like an Object.prototype member is not a role
    expect(claimsAccess({ groups: ['constructor', 'toString'] }, o).role).toBeNull();
  });

  it('gives defaultProjects without a projects claim, the claim values (or their mapping) with one', () => {
    expect(claimsAccess({}, base).projects).toEqual(['default']);
    const direct = { ...base, projectsClaim: 'witness_projects' };
    expect(claimsAccess({ witness_projects: ['beta', 'alpha'] }, direct).projects).toEqual(['alpha', 'beta']);
    expect(claimsAccess({ witness_projects: '*' }, direct).projects).toBe('*');
    expect(claimsAccess({ witness_projects: [] }, direct).projects).toEqual(['default']);
    const mapped = {
      ...direct,
      projectsClaim: 'groups',
      projectMapping: { g1: ['payments', 'search'], g2: ['*'] },
    };
    expect(claimsAccess({ groups: ['g1', 'nope'] }, mapped).projects).toEqual(['payments', 'search']);
    expect(claimsAccess({ groups: ['g2'] }, mapped).projects).toBe('*');
  });

  it('grants viewer read, editor read+edit, admin everything, nobody without a role anything but sign-in', () => {
    expect([...grantsOf('viewer')].sort()).toEqual(['public', 'read', 'signin']);
    expect([...grantsOf('editor')].sort()).toEqual(['edit', 'public', 'read', 'signin']);
    expect([...grantsOf('admin')].sort()).toEqual([
      'admin',
      'edit',
      'ingest',
      'metrics',
      'public',
      'read',
      'signin',
    ]);
    expect([...grantsOf(null)].sort()).toEqual(['public', 'signin']);
  });
});
