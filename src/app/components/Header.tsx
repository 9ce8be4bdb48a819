// Header: pack picker, user search / random, backend (with the one-sentence reason and a switch),
// and the buttons that open the tour and the other panels.
import { useState, useSyncExternalStore, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BACKEND_NAMES, PACKS, type BackendName, type PackId } from '../../runtime/protocol.ts';
import { useApp } from '../store/index.ts';
import type { Panel } from '../store/types.ts';
import { localPacks, subscribeLocalPacks } from '../local-packs.ts';
import { OpenPackFromDisk } from './OpenPackFromDisk.tsx';
import { threadsLabel } from '../../runtime/wasm-threads.ts';

const PANELS: { id: Panel; label: string }[] = [
  { id: 'explore', label: 'Explore' },
  { id: 'coldstart', label: 'Cold start' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'pack', label: 'Pack card' },
];

const ms = (x: number) => Math.round(x).toString();

export function Header() {
  const { pack, backend, requestedBackend, phase, panel } = useApp(
    useShallow((s) => ({ pack: s.pack, backend: s.backend, requestedBackend: s.requestedBackend, phase: s.phase, panel: s.panel })),
  );
  const { loadPack, switchBackend, recheckBackend, findUser, setPanel, startTour } = useApp.getState();
  const [query, setQuery] = useState('');
  const opened = useSyncExternalStore(subscribeLocalPacks, localPacks);
  const ready = phase === 'ready';

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    if (query.trim()) findUser(query);
  };

  return (
    <header className="header">
      <h1 className="brand">
        PeaPOD <span className="muted">Web</span>
      </h1>
      <label className="field">
        <span>Pack</span>
        <select data-testid="pack-picker" value={pack} onChange={(e) => loadPack(e.target.value as PackId)}>
          {[...PACKS, ...opened].map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <OpenPackFromDisk onOpen={loadPack} />
      <form className="field search" onSubmit={onSearch} role="search">
        <label htmlFor="user-search">User</label>
        <input
          id="user-search"
          data-testid="user-search"
          placeholder="dataset id or #index"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          disabled={!ready}
        />
        <button type="submit" disabled={!ready}>
          Find
        </button>
        <button type="button" data-testid="random-user" disabled={!ready} onClick={() => findUser('random')}>
          Random
        </button>
      </form>
      <div className="field backend" aria-live="polite">
        <label htmlFor="backend-picker">Backend</label>
        <strong data-testid="backend-name">{backend ? backend.backend : phase === 'error' ? 'none' : 'choosing…'}</strong>
        <select
          id="backend-picker"
          data-testid="backend-picker"
          aria-label="Switch backend"
          value={requestedBackend ?? 'auto'}
          onChange={(e) => switchBackend(e.target.value === 'auto' ? null : (e.target.value as BackendName))}
        >
          <option value="auto">auto</option>
          {BACKEND_NAMES.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
        {backend && (
          <span className="reason" data-testid="backend-reason">
            {backend.reason}
          </span>
        )}
        {backend?.backend === 'wasm' && backend.wasm && (
          <span
            className="reason"
            data-testid="backend-threads"
            data-threads={backend.wasm.threads}
            data-build={backend.wasm.build}
            data-fallback={backend.wasm.fallback ? 'true' : 'false'}
            title={backend.wasm.reason}
          >
            {backend.wasm.fallback ? backend.wasm.reason : threadsLabel(backend.wasm)}
          </span>
        )}
        {backend?.timing && (
          <details className="probe" data-testid="backend-probe">
            <summary>start-up timing</summary>
          <span
            className="reason"
            data-testid="backend-timing"
            data-remembered={backend.remembered ? 'true' : 'false'}
            data-probing-ms={backend.timing.probingMs.toFixed(1)}
            data-start-ms={backend.timing.startMs.toFixed(1)}
            title="Probing is everything but the chosen backend's own start-up: the WebGPU adapter request, reading the remembered choice, backends that failed, measuring WebGPU against WASM (hardware adapters only), and a one-op smoke test."
          >
            {`probe ${ms(backend.timing.probingMs)} ms (adapter ${ms(backend.timing.adapterMs)}, memory ${ms(backend.timing.memoryMs)}, failed ${ms(backend.timing.failedMs)}${backend.timing.measureMs !== undefined ? `, measure ${ms(backend.timing.measureMs)}` : ''}, smoke ${ms(backend.timing.smokeMs)}) + ${backend.backend} start ${ms(backend.timing.startMs)} ms${backend.backend === 'wasm' && backend.wasm ? ` (${threadsLabel(backend.wasm)})` : ''}`}
          </span>
          </details>
        )}
        {backend?.lateAdapter && backend.backend !== 'webgpu' && (
          <span className="reason" data-testid="backend-late-adapter" role="status">
            {`A GPU adapter${backend.lateAdapter.vendor ? ` (${backend.lateAdapter.vendor})` : ''} appeared after start-up; ${backend.lateAdapter.remembered ? 'next visit uses WebGPU' : 'WebGPU would be faster for this model'} — `}
            <button type="button" data-testid="backend-late-switch" onClick={() => switchBackend('webgpu')}>
              switch now
            </button>
          </span>
        )}
        <button type="button" data-testid="backend-recheck" onClick={recheckBackend} title="Forget the remembered automatic choice and try every backend again">
          Re-check backends
        </button>
      </div>
      <nav className="panels" aria-label="Views">
        {PANELS.map((p) => (
          <button key={p.id} data-testid={`panel-${p.id}`} aria-pressed={panel === p.id} onClick={() => setPanel(p.id)}>
            {p.label}
          </button>
        ))}
        <button data-testid="tour-start" onClick={startTour}>
          Guided tour
        </button>
      </nav>
    </header>
  );
}
