/** Light/dark theme on <html data-theme>, remembered in localStorage (index.html applies it pre-paint). */
export type Theme = 'light' | 'dark';

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem('witness.theme', theme);
  } catch {
    // private mode: the choice lasts for this page only
  }
}
