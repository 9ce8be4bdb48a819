// Service worker for the app shell, so that after one visit PeaPOD Web opens with the network off.
// Navigations are network-first (a new deploy wins when online) with the cached page as fallback;
// built assets under assets/ carry content hashes, so they are cache-first. Model packs are not
// handled here: the model worker caches them itself, verified by SHA-256 (src/runtime/pack-cache.ts).
// Plain JavaScript from public/ because it must keep one stable URL across builds.
const SHELL = 'peapod-shell-v1';

self.addEventListener('install', (event) => {
  // Precache the page and every built asset (the build lists them in sw-assets.json): the model
  // worker's chunks and .wasm files are fetched by the worker, which the first visit may not route
  // through this service worker.
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const scope = self.registration.scope;
      const list = await fetch(new URL('sw-assets.json', scope)).then((r) => (r.ok ? r.json() : []), () => []);
      await cache.addAll([scope, ...list.map((f) => new URL(f, scope).href)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('peapod-shell-') && name !== SHELL) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(SHELL);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  } catch (e) {
    const hit = (await cache.match(request, { ignoreSearch: true })) ?? (await cache.match(new URL('./', self.registration.scope).href));
    if (hit) return hit;
    throw e;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !url.href.startsWith(self.registration.scope)) return;
  const path = url.href.slice(self.registration.scope.length);
  if (req.mode === 'navigate') event.respondWith(networkFirst(req));
  else if (path.startsWith('assets/')) event.respondWith(cacheFirst(req));
});
