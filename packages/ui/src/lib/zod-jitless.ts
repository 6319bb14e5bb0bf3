/**
 * zod builds fast object parsers with `new Function`, and even its probe for whether eval is allowed
 * is reported as a CSP violation. Witness's Content-Security-Policy has no 'unsafe-eval'
 * (docs/security.md), so the UI parses without it. Imported first by main.tsx: before any schema runs.
 */
import { config } from 'zod';

config({ jitless: true });
