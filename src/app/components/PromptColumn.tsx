// Column 4: the soft prompt itself, the task vectors and the collaborative vectors, as small heatmap
// strips (cividis, symmetric around 0) feeding the T5 encoder.
import type { InferResult } from '../../runtime/protocol.ts';
import { scaleCss, symmetricNormaliser } from '../lib/palette.ts';
import { Legend } from './Legend.tsx';
import { useApp } from '../store/index.ts';

function Strip({ vectors, label, testId }: { vectors: number[][]; label: string; testId: string }) {
  const all = vectors.flat();
  const norm = symmetricNormaliser(all);
  const maxAbs = all.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return (
    <div className="strip-group" data-testid={testId}>
      <h3>{label}</h3>
      {vectors.map((v, i) => {
        // Draw at most 128 columns: averaging adjacent dimensions keeps the strip readable at d = 512.
        const cols = Math.min(128, v.length);
        const per = v.length / cols;
        const cells = Array.from({ length: cols }, (_, c) => {
          let s = 0;
          const a = Math.floor(c * per);
          const b = Math.max(a + 1, Math.floor((c + 1) * per));
          for (let k = a; k < b; k++) s += v[k]!;
          return s / (b - a);
        });
        const l2 = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
        return (
          <div key={i} className="strip" role="img" aria-label={`${label} vector ${i + 1}: ${v.length} values, norm ${l2.toFixed(3)}`} title={`vector ${i + 1}, |v| = ${l2.toFixed(3)}`}>
            {cells.map((x, c) => (
              <span key={c} style={{ background: scaleCss(norm(x), 'cividis') }} />
            ))}
          </div>
        );
      })}
      <Legend min={-maxAbs} max={maxAbs} scale="cividis" label="value" digits={3} />
    </div>
  );
}

/** What the T5 reads, for the pack's form of the next-item task (PackSummary.sequentialForm). */
export function t5InputSentence(form: 'bare' | 'history'): string {
  return form === 'history'
    ? '→ T5 encoder input: [task ; collaborative ; “user_…”] (top-n adds the candidates’ “item_…”); for next-item the history is the decoder’s own input, [start ; item_… item_…], and the next item is read after its last item.'
    : '→ T5 encoder input: [task ; collaborative ; tokens of “user_… item_…”]';
}

export function PromptColumn({ view }: { view: InferResult | null }) {
  const form = useApp((s) => s.summary?.sequentialForm ?? 'bare');
  return (
    <section className="col prompt-col" aria-labelledby="prompt-heading" data-tour="prompt" id="col-prompt" tabIndex={-1}>
      <h2 id="prompt-heading">Soft prompt</h2>
      {view && (
        <>
          <Strip vectors={view.prompt.task} label="task" testId="prompt-task" />
          {view.prompt.collaborative.length > 0 ? (
            <Strip vectors={view.prompt.collaborative} label="collaborative" testId="prompt-collab" />
          ) : (
            <div className="strip-group" data-testid="prompt-collab-none">
              <h3>collaborative</h3>
              <p className="small muted">None: {view.whatIf.individualOnly ? 'individual-only drops the collaborative prompt;' : 'this view has no collaborative prompt;'} only the task vectors come before the text.</p>
            </div>
          )}
          <p className="small muted" data-tour="t5" data-testid="t5-input">
            {t5InputSentence(form)}
          </p>
        </>
      )}
    </section>
  );
}
