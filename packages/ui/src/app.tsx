import { useState } from 'preact/hooks';
import { ProjectSwitcher } from './components/project-switcher.js';
import { SignInPage } from './components/sign-in-page.js';
import { UserMenu } from './components/user-menu.js';
import { MeProvider, needsSignIn, useMeState } from './lib/me.js';
import { Link, matchPath, useLocation } from './lib/router.js';
import { useProject } from './lib/project.js';
import { currentTheme, setTheme, type Theme } from './lib/theme.js';
import { ROUTES } from './routes.js';

const SECTIONS = ['Explore', 'Operate', 'Govern', 'Settings'] as const;

export function App() {
  const loc = useLocation();
  const [theme, setThemeState] = useState<Theme>(currentTheme);
  const { me } = useMeState();
  const project = useProject();
  if (me && needsSignIn(me)) return <SignInPage me={me} />;
  let page = null;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, loc.path);
    if (params) {
      const Page = route.component;
      page = <Page params={params} />;
      break;
    }
  }
  const active = (pattern: string) =>
    loc.path === pattern || loc.path.startsWith(`${pattern}/`) || (pattern === '/traces' && loc.path === '/');
  return (
    <MeProvider me={me}>
      <div class="layout">
        <nav class="sidebar" aria-label="Main">
          <Link href="/traces" class="brand">
            <span class="brand-mark" aria-hidden="true" />
            Witness
          </Link>
          {SECTIONS.map((section) => (
            <div class="nav-section" key={section}>
              <div class="nav-heading">{section}</div>
              {ROUTES.filter((r) => r.nav?.section === section).map((r) => (
                <Link
                  key={r.pattern}
                  href={r.pattern}
                  class={active(r.pattern) ? 'nav-link active' : 'nav-link'}
                >
                  {r.nav!.label}
                </Link>
              ))}
            </div>
          ))}
          <ProjectSwitcher />
          <UserMenu />
          <button
            type="button"
            class="btn theme-toggle"
            data-testid="theme-toggle"
            onClick={() => {
              const next = theme === 'dark' ? 'light' : 'dark';
              setTheme(next);
              setThemeState(next);
            }}
          >
            {theme === 'dark' ? '☀ Light theme' : '☾ Dark theme'}
          </button>
        </nav>
        {/* keyed by project too: every page's state (lists, cursors, selections) starts over */}
        <main class="content" key={`${theme}/${project}`}>
          {page ?? (
            <div class="page">
              <h1>Not found</h1>
              <p class="muted">
                No page at <code>{loc.path}</code>. <Link href="/traces">Go to traces</Link>.
              </p>
            </div>
          )}
        </main>
      </div>
    </MeProvider>
  );
}
