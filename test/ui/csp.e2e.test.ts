/**
 * The Content-Security-Policy Witness sends (no 'unsafe-inline', no 'unsafe-eval') against the real
 * built UI: Chromium opens every page of the UI's route table on a `witness serve --demo`, and any CSP
 * violation — a script, style, image or fetch the policy blocks — fails the test. A new page or a new
 * dependency that injects inline code shows up here, not in a user's console.
 */
import { readFileSync } from 'node:fs';
import type { Page as ApiPage, TraceSummaryJson } from '@witness/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './browser.js';
import { startDemoServer, type UiServer } from './ui-server.js';

/**
 * Every URL pattern of the UI's route table. Read from the source: routes.tsx imports the pages, which
 * need a DOM to load, and a copied list here would miss the next page added there.
 */
const ROUTE_PATTERNS = [
  ...readFileSync(new URL('../../packages/ui/src/routes.tsx', import.meta.url), 'utf8').matchAll(
    /pattern: '([^']+)'/g,
  ),
].map((m) => m[1]!);

let server: UiServer;
let browser: Browser;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(server.baseUrl + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Real values for each route parameter, from what the demo sent. */
async function parameters(): Promise<Record<string, string>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const page = await api<ApiPage<TraceSummaryJson>>('/api/traces?limit=200');
    const withSession = page.items.find((t) => t.sessionId);
    const withUser = page.items.find((t) => t.userId);
    if (page.items.length > 0 && withSession && withUser)
      return { traceId: page.items[0]!.traceId, sessionId: withSession.sessionId!, userId: withUser.userId! };
    if (Date.now() > deadline)
      throw new Error('the demo produced no trace with a session and a user in 60 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  server = await startDemoServer();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the UI under its Content-Security-Policy', () => {
  it('is served with a CSP that allows no inline script or style', async () => {
    const res = await fetch(`${server.baseUrl}/traces`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html, 'no inline script left in the built index.html').not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('loads every page without a single CSP violation', async () => {
    const params = await parameters();
    const { page } = browser;
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(m.text()))
        violations.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => violations.push(`${page.url()}: page error ${e.message}`));
    // CDP-injected, so the policy does not block it: records what the browser itself reports
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const w = window as unknown as { __csp?: string[] };
        w.__csp ??= [];
        w.__csp.push(
          `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
        );
      });
    });

    expect(ROUTE_PATTERNS).toContain('/traces/:traceId');
    for (const pattern of ROUTE_PATTERNS) {
      const path = pattern.replace(/:(\w+)/g, (_, name: string) => {
        const value = params[name];
        if (!value) throw new Error(`no test value for :${name} in ${pattern}: add one to parameters()`);
        return encodeURIComponent(value);
      });
      await page.goto(`${server.baseUrl}${path}`, { waitUntil: 'networkidle' });
      // the app rendered (its script ran) and the theme script applied the theme before paint
      await page.locator('#app > *').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme), path).toMatch(
        /^(light|dark)$/,
      );
      const reported = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
      violations.push(...reported.map((r) => `${path}: ${r}`));
    }
    expect(violations).toEqual([]);
  });

  it('would see a violation if there were one (the detector works)', async () => {
    const { page } = browser;
    await page.goto(`${server.baseUrl}/traces`, { waitUntil: 'networkidle' });
    const blocked = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), {
            once: true,
          });
          const s = document.createElement('script');
          s.textContent = 'window.__inlineRan = true';
          document.head.append(s);
        }),
    );
    expect(blocked).toMatch(/^script-src/);
    expect(
      await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan),
    ).toBeUndefined();
  });
});
