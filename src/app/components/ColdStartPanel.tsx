// Cold-start builder: make a new user by picking catalogue items, save it (IndexedDB, survives a
// reload), run it (the worker folds it into the CF model, finds neighbours, composes the prompt),
// and export / import profiles as JSON.
import { useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store/index.ts';
import { ProfileImportError } from '../store/profiles.ts';

export function ColdStartPanel() {
  const { itemNames, profiles, pack, ready } = useApp(
    useShallow((s) => ({ itemNames: s.summary?.itemNames ?? [], profiles: s.profiles, pack: s.pack, ready: s.phase === 'ready' })),
  );
  const { saveProfile, deleteProfile, runProfile, setPanel, importProfiles, exportProfiles } = useApp.getState();
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<number[]>([]);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const out: number[] = [];
    for (let i = 1; i < itemNames.length && out.length < 30; i++) {
      if (itemNames[i]!.toLowerCase().includes(q) || String(i) === q) out.push(i);
    }
    return out;
  }, [query, itemNames]);

  const mine = profiles.filter((p) => p.pack === pack);
  const canSave = ready && picked.length >= 1 && name.trim().length > 0;

  const onImport = async (f: File | undefined) => {
    if (!f) return;
    try {
      const n = importProfiles(await f.text());
      setMessage(`Imported ${n} profile${n === 1 ? '' : 's'}.`);
    } catch (e) {
      setMessage(e instanceof ProfileImportError ? e.message : `Import failed: ${(e as Error).message}`);
    }
  };

  const onExport = () => {
    const blob = new Blob([exportProfiles()], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'peapod-profiles.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return (
    <main className="panel coldstart" data-testid="coldstart" aria-labelledby="cs-heading" id="main-panel" tabIndex={-1}>
      <h2 id="cs-heading">Cold-start builder</h2>
      <p className="small">
        Pick items a new user liked. The app solves the user side of the CF model against the fixed item factors (fold-in), finds the most similar users, composes the
        soft prompt and recommends.
      </p>
      <div className="cs-grid">
        <section aria-labelledby="cat-heading">
          <h3 id="cat-heading">Catalogue</h3>
          <input data-testid="catalogue-search" placeholder="search item names or an item id" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search the catalogue" />
          <ul className="catalogue" data-testid="catalogue-results">
            {matches.map((i) => (
              <li key={i}>
                <button className="link" disabled={picked.includes(i)} onClick={() => setPicked([...picked, i])} aria-label={`Add ${itemNames[i]}`}>
                  + {itemNames[i]}
                </button>{' '}
                <span className="id">item {i}</span>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="new-heading">
          <h3 id="new-heading">New user ({picked.length} items, oldest first)</h3>
          <ol className="history" data-testid="picked-items">
            {picked.map((i) => (
              <li key={i}>
                {itemNames[i]} <span className="id">item {i}</span>{' '}
                <button className="link" onClick={() => setPicked(picked.filter((x) => x !== i))} aria-label={`Remove ${itemNames[i]}`}>
                  remove
                </button>
              </li>
            ))}
          </ol>
          <label>
            Name <input data-testid="profile-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={60} />
          </label>
          <button
            data-testid="profile-save"
            disabled={!canSave}
            onClick={() => {
              saveProfile({ name: name.trim(), pack, items: picked, createdAt: new Date().toISOString() });
              setMessage(`Saved “${name.trim()}”.`);
            }}
          >
            Save profile
          </button>
        </section>
        <section aria-labelledby="saved-heading">
          <h3 id="saved-heading">Saved profiles</h3>
          <ul data-testid="profiles">
            {mine.map((p) => (
              <li key={p.name} data-testid="profile">
                <strong>{p.name}</strong> <span className="small muted">{p.items.length} items</span>{' '}
                <button
                  data-testid="profile-run"
                  disabled={!ready}
                  onClick={() => {
                    runProfile(p.name);
                    setPanel('explore');
                  }}
                >
                  Recommend
                </button>{' '}
                <button className="link" onClick={() => deleteProfile(p.name)} aria-label={`Delete profile ${p.name}`}>
                  delete
                </button>
              </li>
            ))}
          </ul>
          <div className="row">
            <button data-testid="profiles-export" onClick={onExport} disabled={profiles.length === 0}>
              Export JSON
            </button>
            <button onClick={() => fileRef.current?.click()}>Import JSON</button>
            <input ref={fileRef} type="file" accept="application/json,.json" hidden data-testid="profiles-import" onChange={(e) => void onImport(e.target.files?.[0])} />
          </div>
          {message && (
            <p role="status" data-testid="profile-message">
              {message}
            </p>
          )}
        </section>
      </div>
    </main>
  );
}
