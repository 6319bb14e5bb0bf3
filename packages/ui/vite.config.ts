import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built to static files that `witness serve` hands out from packages/ui/dist (SPA fallback to index.html).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // JSX through esbuild's automatic runtime: no framework plugin needed for Preact.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: {
    // Read the protocol's sources (types + a few constants) so the UI builds without a prior tsc -b.
    alias: { '@witness/protocol': fileURLToPath(new URL('../protocol/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev -w @witness/ui` proxies the API to a local `witness serve`.
    proxy: { '/api': 'http://127.0.0.1:4318' },
  },
});
