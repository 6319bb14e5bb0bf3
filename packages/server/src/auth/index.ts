/** auth: who is calling (keys, OIDC users, scrape token) and which project a request acts in. */
export {
  type Principal,
  type PrincipalKind,
  projectOf,
  requestedProject,
  resolveProjectUnauthenticated,
} from './principal.js';
