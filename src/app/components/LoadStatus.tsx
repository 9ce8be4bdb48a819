// Loading status: one progress bar per file in bytes, then a separate "warming up" step; plus the
// error banner for typed errors (what went wrong and what to do).
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store/index.ts';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function LoadStatus() {
  const { phase, files, example, warmupMs } = useApp(
    useShallow((s) => ({ phase: s.phase, files: s.files, example: s.example, warmupMs: s.warmupMs })),
  );
  if (phase === 'ready') {
    return (
      <p className="status ready" data-testid="load-status" data-phase="ready">
        Model ready{warmupMs !== null ? ` (warm-up ${Math.round(warmupMs)} ms)` : ''}.
      </p>
    );
  }
  if (phase === 'error' || phase === 'idle') return null;
  return (
    <section className="status" data-testid="load-status" data-phase={phase} aria-live="polite" aria-label="Loading the model">
      {example && <p className="example-note">Showing a precomputed example while the model loads.</p>}
      <ul className="files">
        {files.map((f) => (
          <li key={f.file} data-testid="file-progress">
            <span className="file-name">{f.file}</span>
            <progress max={f.total || 1} value={f.total ? f.loaded : 0} aria-label={`Download of ${f.file}`} />
            <span className="bytes">
              {formatBytes(f.loaded)}
              {f.total ? ` / ${formatBytes(f.total)}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <button data-testid="load-cancel" onClick={() => useApp.getState().cancelLoad()}>
        Cancel
      </button>
      {phase === 'warming' && (
        <p data-testid="warming-up" className="warming">
          Warming up: compiling kernels and running a first prediction…
        </p>
      )}
    </section>
  );
}

export function ErrorBanner() {
  const error = useApp((s) => s.error);
  const failed = useApp((s) => s.phase === 'error');
  if (!error) return null;
  return (
    <div className="error" role="alert" data-testid="error-banner" data-code={error.code}>
      <strong>{error.message}</strong> <span>{error.action}</span>
      {/* The stable codes (the protocol's, and the failure's behind it) to quote in a bug report. */}
      <small className="muted error-code" data-testid="error-code">
        code: {error.code}
        {error.causeCode ? `, cause: ${error.causeCode}` : ''}
      </small>
      {failed && (
        // A fresh worker and load; verified files already in the pack cache are not fetched again.
        <button data-testid="error-retry" onClick={() => useApp.getState().loadPack(useApp.getState().pack)}>
          Retry
        </button>
      )}
      <button onClick={() => useApp.getState().dismissError()} aria-label="Dismiss the error">
        ×
      </button>
    </div>
  );
}
