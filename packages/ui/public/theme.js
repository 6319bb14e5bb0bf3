// Apply the saved theme before first paint so dark mode does not flash white. A file, not an inline
// script: the Content-Security-Policy Witness sends has no 'unsafe-inline' (docs/security.md).
try {
  const saved = localStorage.getItem('witness.theme');
  document.documentElement.dataset.theme =
    saved || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
} catch {}
