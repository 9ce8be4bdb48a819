// Vite plugin: ships the two scripts that TF.js's threaded WASM build loads into its pthread workers
// as real same-origin files, so the threads start under the app's strict CSP (`worker-src 'self'`,
// `script-src 'self'`: no blob: workers, no blob: importScripts) and in a minified bundle.
//
// Left alone, @tensorflow/tfjs-backend-wasm 4.22 makes both blobs: the pthread worker from its
// `wasmWorkerContents` string, and the script each pthread imports from
// `wasmFactoryThreadedSimd.toString()`. The second breaks once a minifier renames the variables
// that function closes over ("e is not defined" in the workers) and both are refused by a CSP without
// blob:. Here the worker script is the package's own string written out as a file, and the main
// script the package's unminified Emscripten output, byte for byte. The app imports their URLs from
// `virtual:wasm-thread-scripts` (src/runtime/wasm-threaded.ts hands them to Emscripten).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

const VIRTUAL = 'virtual:wasm-thread-scripts';
const RESOLVED = `\0${VIRTUAL}`;
const DEV_PREFIX = '/@peapod-wasm-threads/';
const MAIN_NAME = 'tfjs-backend-wasm-threaded-simd.js';
const WORKER_NAME = 'tfjs-backend-wasm-threaded-simd.worker.js';

const require = createRequire(import.meta.url);

/** The two scripts' text, read from the installed package. */
export function wasmThreadScripts(): { main: string; worker: string } {
  const main = readFileSync(require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${MAIN_NAME}`), 'utf8');
  const { wasmWorkerContents } = require(`@tensorflow/tfjs-backend-wasm/wasm-out/${WORKER_NAME}`) as { wasmWorkerContents?: unknown };
  if (typeof wasmWorkerContents !== 'string' || !main.includes('var WasmBackendModuleThreadedSimd')) {
    throw new Error('@tensorflow/tfjs-backend-wasm changed its threaded build layout; scripts/vite-wasm-threads.ts needs updating.');
  }
  // The string is one line whose JS string literals hold "\n" escapes that the template literal
  // turned into real newlines; put the escapes back (the package does the same before its Blob).
  return { main, worker: wasmWorkerContents.replace(/\n/g, '\\n') };
}

export function wasmThreadScriptsPlugin(): Plugin {
  let serve = false;
  return {
    name: 'peapod-wasm-thread-scripts',
    configResolved(config) {
      serve = config.command === 'serve';
    },
    resolveId(id) {
      return id === VIRTUAL ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      if (serve) {
        return `export const mainScriptUrl = new URL(${JSON.stringify(DEV_PREFIX + MAIN_NAME)}, self.location.href).href;\n` +
          `export const workerScriptUrl = new URL(${JSON.stringify(DEV_PREFIX + WORKER_NAME)}, self.location.href).href;\n`;
      }
      const s = wasmThreadScripts();
      const main = this.emitFile({ type: 'asset', name: MAIN_NAME, source: s.main });
      const worker = this.emitFile({ type: 'asset', name: WORKER_NAME, source: s.worker });
      return `export const mainScriptUrl = import.meta.ROLLUP_FILE_URL_${main};\nexport const workerScriptUrl = import.meta.ROLLUP_FILE_URL_${worker};\n`;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.startsWith(DEV_PREFIX) ? req.url.slice(DEV_PREFIX.length).split('?')[0] : null;
        if (name !== MAIN_NAME && name !== WORKER_NAME) {
          next();
          return;
        }
        const s = wasmThreadScripts();
        res.setHeader('Content-Type', 'text/javascript');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        res.end(name === MAIN_NAME ? s.main : s.worker);
      });
    },
  };
}
