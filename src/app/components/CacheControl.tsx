// "Cached models": how many bytes the verified pack cache holds (Cache API, written by the model
// worker) and a button that clears it. Reads the caches directly; the worker owns writing them.
import { useEffect, useState } from 'react';
import { PACK_CACHE_PREFIX } from '../../runtime/protocol.ts';

async function usage(): Promise<{ bytes: number; versions: number }> {
  if (!('caches' in globalThis)) return { bytes: 0, versions: 0 };
  let bytes = 0;
  let versions = 0;
  for (const name of await caches.keys()) {
    if (!name.startsWith(PACK_CACHE_PREFIX)) continue;
    versions++;
    const c = await caches.open(name);
    for (const req of await c.keys()) {
      const res = await c.match(req);
      const len = Number(res?.headers.get('content-length'));
      bytes += Number.isFinite(len) && len > 0 ? len : ((await res?.arrayBuffer())?.byteLength ?? 0);
    }
  }
  return { bytes, versions };
}

export function CacheControl() {
  const [state, setState] = useState<{ bytes: number; versions: number } | null>(null);
  const refresh = () => void usage().then(setState, () => setState({ bytes: 0, versions: 0 }));
  useEffect(refresh, []);
  const clear = async () => {
    for (const name of await caches.keys()) if (name.startsWith(PACK_CACHE_PREFIX)) await caches.delete(name);
    refresh();
  };
  return (
    <section aria-labelledby="cache-heading" data-testid="cache-control">
      <h3 id="cache-heading">Cached models</h3>
      <p>
        <span data-testid="cache-bytes" data-bytes={state?.bytes ?? ''}>
          {state === null ? 'measuring…' : `${(state.bytes / 1024 / 1024).toFixed(1)} MiB in ${state.versions} cached pack version${state.versions === 1 ? '' : 's'}`}
        </span>{' '}
        <button data-testid="cache-clear" onClick={() => void clear()} disabled={!state?.bytes}>
          Clear cached models
        </button>
      </p>
    </section>
  );
}
