// Placeholder shell: shows which TF.js backend the page runs on and why. The full explorer lands
// with the app issue.
import { useEffect, useState } from 'react';
import { chooseBackend, parseBackendName, type BackendDecision } from '../runtime/backend.ts';

export function App() {
  const [decision, setDecision] = useState<BackendDecision | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const forced = parseBackendName(new URLSearchParams(location.search).get('backend'));
    chooseBackend(forced).then(setDecision, (e: Error) => setError(e.message));
  }, []);
  return (
    <main>
      <h1>PeaPOD Web</h1>
      <p>
        Backend:{' '}
        <strong data-testid="backend-name">{decision ? decision.backend : error ? 'none' : 'choosing…'}</strong>
      </p>
      {decision && <p data-testid="backend-reason">{decision.reason}</p>}
      {error && <p role="alert">{error}</p>}
    </main>
  );
}
