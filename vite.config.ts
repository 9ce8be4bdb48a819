// Vite config: the app under src/app, static model packs under public/, COOP/COEP so the page is
// cross-origin isolated (needed for SharedArrayBuffer, which the threaded WASM backend runs on).
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { wasmThreadScriptsPlugin } from './scripts/vite-wasm-threads.ts';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Content-Security-Policy (RELIABILITY.md, "Security"): scripts, workers and connections from this
// origin only; 'wasm-unsafe-eval' is the one exception, because compiling the TF.js .wasm needs it.
// No inline script anywhere (React sets styles through the CSSOM, which style-src does not govern).
const cspDirectives = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
];
/** The same policy as a <meta> for static hosts; a meta CSP cannot carry frame-ancestors. */
export const CSP_META = cspDirectives.join('; ');
export const CSP_HEADER = [...cspDirectives, "frame-ancestors 'none'"].join('; ');

/** Lists the built assets for public/sw.js to precache, so one visit is enough to work offline. */
function shellManifest(): Plugin {
  return {
    name: 'peapod-sw-assets',
    apply: 'build',
    generateBundle(_options, bundle) {
      const assets = Object.keys(bundle).filter((f) => f.startsWith('assets/'));
      this.emitFile({ type: 'asset', fileName: 'sw-assets.json', source: JSON.stringify(assets) });
    },
  };
}

function cspMeta(): Plugin {
  return {
    name: 'peapod-csp-meta',
    // Build only: the dev server injects an inline React-refresh preamble that a strict CSP blocks.
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head' }],
  };
}

export default defineConfig({
  base: './',
  plugins: [react(), cspMeta(), shellManifest(), wasmThreadScriptsPlugin()],
  server: { headers: isolationHeaders },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': CSP_HEADER } },
  // The model worker (and bench.html's page) start the threaded WASM build: its pthread scripts
  // ship as same-origin files, so the CSP needs no blob: (scripts/vite-wasm-threads.ts).
  worker: { format: 'es', plugins: () => [wasmThreadScriptsPlugin()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // bench.html is the benchmark page driven by `npm run bench` and kernel-check.html the fused WebGPU
    // kernel check driven by e2e/fused-kernels.spec.ts; both ship with the build so they measure and
    // check the same bundle people get.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html', kernelCheck: 'kernel-check.html' } },
  },
});
