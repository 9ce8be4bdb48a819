// Vite config: the app under src/app, static model packs under public/, COOP/COEP so the page is
// cross-origin isolated (needed for SharedArrayBuffer; the WASM backend runs single-threaded anyway,
// see machine-facts.md: the threaded build hangs in a minified bundle).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [react()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // bench.html is the benchmark page driven by `npm run bench`; it ships with the build so the
    // benchmark measures the same bundle people get.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
});
