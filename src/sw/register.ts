// Registers the app-shell service worker (public/sw.js) in production builds. The dev server is
// left alone: a worker caching Vite's on-demand modules would serve stale code while editing.
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const url = new URL(`${import.meta.env.BASE_URL}sw.js`, location.href);
  navigator.serviceWorker.register(url, { scope: new URL(import.meta.env.BASE_URL, location.href).pathname }).catch((e: unknown) => {
    // Offline use is a bonus; the app works without it.
    console.warn(`Service worker not registered: ${(e as Error).message}`);
  });
}
