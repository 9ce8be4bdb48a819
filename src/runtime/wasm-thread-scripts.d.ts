// The virtual module scripts/vite-wasm-threads.ts serves: the served URLs of the two scripts that
// the threaded WASM build loads into its pthread workers.
declare module 'virtual:wasm-thread-scripts' {
  /** The Emscripten factory script each pthread worker importScripts(). */
  export const mainScriptUrl: string;
  /** The pthread worker itself (a classic worker script). */
  export const workerScriptUrl: string;
}
