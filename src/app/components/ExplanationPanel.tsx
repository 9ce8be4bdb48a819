// The explanation panel (Outputs column, Explanation tab): pick an item, stream the model's sentence
// token by token (Stop ends it), and read it beside the held-out reference sentence; one line says
// what the pack's decoder was trained on (from the manifest's training.text).
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { InferResult, ItemRef } from '../../runtime/protocol.ts';
import { useApp } from '../store/index.ts';
import { trainingTextNote } from '../lib/training-note.ts';
import { GpuWorkLine } from './GpuWorkLine.tsx';

export function ExplanationPanel({ view }: { view: InferResult }) {
  const { explanation, ready, hasTask, hasRefs, noRepeat, note } = useApp(
    useShallow((s) => ({
      explanation: s.explanation,
      noRepeat: s.explainNoRepeat,
      ready: s.phase === 'ready',
      hasTask: s.summary?.tasks.includes('explanation') ?? false,
      hasRefs: s.summary?.hasReferences ?? false,
      note: trainingTextNote(s.summary?.manifest),
    })),
  );
  const { explain, stopExplain, setExplainNoRepeat } = useApp.getState();
  // Items with a reference explanation first, so the comparison is one click away.
  const byId = new Map(view.user.history.map((i) => [i.id, i]));
  const choices: ItemRef[] = (view.user.explainable ?? []).map((id) => byId.get(id) ?? { id, name: `item ${id}` });
  for (const h of [...view.user.history].reverse()) if (!choices.some((c) => c.id === h.id)) choices.push(h);
  for (const s of view.sequential) if (!choices.some((c) => c.id === s.item.id)) choices.push(s.item);
  const [picked, setPicked] = useState<number>(choices[0]?.id ?? 0);
  if (!hasTask) return <p className="muted" data-testid="no-explanation-task">This pack was not trained on explanations; pick the Musical Instruments pack.</p>;
  const item = choices.find((c) => c.id === picked) ?? choices[0];
  const reference = explanation?.reference ?? (explanation?.streaming ? '…' : hasRefs ? 'no reference for this user and item.' : 'this pack has no reference explanations.');
  return (
    <div className="explanation" data-testid="explanation-panel">
      <label>
        Item{' '}
        <select data-testid="explain-item" value={item?.id ?? ''} onChange={(e) => setPicked(Number(e.target.value))}>
          {choices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name.slice(0, 60) || `item ${c.id}`} (item {c.id}){view.user.explainable?.includes(c.id) ? ' — has a reference' : ''}
            </option>
          ))}
        </select>
      </label>
      <div className="row">
        <button data-testid="explain-run" disabled={!ready || !item || explanation?.streaming} onClick={() => item && explain(item)}>
          Explain
        </button>
        <button data-testid="explain-stop" disabled={!explanation?.streaming} onClick={stopExplain}>
          Stop
        </button>
        <label title="Beam search may not repeat a pair of words within the sentence. Off: the model's plain beam search (as the paper decodes).">
          <input type="checkbox" data-testid="explain-no-repeat" checked={noRepeat} onChange={(e) => setExplainNoRepeat(e.target.checked)} /> block repeated word pairs
        </label>
      </div>
      {note && (
        <p className="small muted" data-testid="explanation-trained-on">
          {note}
        </p>
      )}
      {explanation && (
        <>
          <div data-testid="explanation-compare" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(10em, 1fr))', gap: '6px' }}>
            <div>
              <div className="small muted">Model</div>
              <p className="generated" data-testid="explanation-text" data-streaming={explanation.streaming} data-stopped={explanation.stopped} aria-live="polite">
                {explanation.text}
                {explanation.streaming && <span className="caret">▍</span>}
              </p>
            </div>
            <div>
              <div className="small muted">Reference (held-out review)</div>
              <p className="generated reference" data-testid="explanation-reference">
                {reference}
              </p>
            </div>
          </div>
          <p className="small muted" data-testid="explanation-status">
            {explanation.streaming ? `streaming… ${explanation.tokens} tokens` : explanation.stopped ? `stopped after ${explanation.tokens} tokens` : `done, ${explanation.tokens} tokens`}
          </p>
          {!explanation.streaming && <GpuWorkLine total={explanation.gpu?.total} part={explanation.gpu} label="Explanation" testId="gpu-work-explanation" />}
        </>
      )}
    </div>
  );
}
