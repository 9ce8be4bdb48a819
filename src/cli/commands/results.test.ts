// Rendering of RESULTS.md (scripts/results.ts) on a small fixture tree: ablation rows get their own
// table and stay out of the main ones. Lives here because Vitest collects src/ only.
import { afterAll, describe, expect, it } from 'vitest';
import { makeTmpDir } from '../../data/testing.ts';
import { render } from '../../../scripts/results.ts';

const ranking = (hr1: number, hr10: number, ndcg10: number, users: number) => ({ HR1: hr1, HR5: 0.2, NDCG5: 0.1, HR10: hr10, NDCG10: ndcg10, users });

describe('scripts/results.ts render', () => {
  const tmp = makeTmpDir('peapod-results-');
  afterAll(tmp.cleanup);
  const base = { packName: 'x', dataset: 'amazon-beauty-p5', ids: 'remapped', idScheme: 'atomic', split: 'test', users: 500, constrained: true };
  tmp.write(
    'results/beauty/full/metrics.json',
    JSON.stringify({ ...base, label: 'PeaPOD Web (ours)', trainSteps: 3451, metrics: { sequential: ranking(0.01, 0.03, 0.015, 500), topn: ranking(0.05, 0.29, 0.15, 500) }, command: 'npx peapod eval --pack P --out results/beauty/full' }),
  );
  tmp.write(
    'results/beauty/ablation-heads1/metrics.json',
    JSON.stringify({
      ...base,
      label: 'heads 1',
      trainSteps: 800,
      trainSeconds: 1530,
      ablation: 'composer heads = 1',
      metrics: { sequential: ranking(0.004, 0.0123, 0.00617, 500), topn: ranking(0.0456, 0.2789, 0.1401, 500) },
      command: 'npx peapod eval --pack runs/h1 --out results/beauty/ablation-heads1 --ablation composer heads = 1',
      trainCommand: 'npx peapod train --dataset amazon-beauty-p5 --composer-heads 1 --label a|b',
    }),
  );
  tmp.write(
    'results/beauty/ablation-notime/metrics.json',
    JSON.stringify({ ...base, constrained: false, ablation: 'no task prompts', metrics: { sequential: ranking(0, 0.02, 0.01, 300) }, command: 'eval it' }),
  );
  const text = render(tmp.dir);
  const lines = text.split('\n');

  it('puts rows that carry `ablation` into the dataset ablation table, with time, steps, metrics and both commands', () => {
    const at = lines.indexOf('### Ablations (Beauty; shorter training, stated per row)');
    expect(at).toBeGreaterThan(lines.indexOf('## Beauty (amazon-beauty-p5)'));
    expect(lines[at + 2]).toBe('| ablation | training | seq HR@10 | seq NDCG@10 | top-n HR@1 | top-n HR@10 | top-n NDCG@10 | users | ids | decoding | commands |');
    // 1530 s = 25.5 min -> 26 min; metrics to 4 decimals without the leading 0; the "|" in the
    // train command is escaped so the row keeps its 11 cells.
    expect(lines[at + 4]).toBe(
      '| [composer heads = 1](results/beauty/ablation-heads1/metrics.json) | 26 min / 800 steps | .0123 | .0062 | .0456 | .2789 | .1401 | 500 | remapped, atomic | constrained | train: `npx peapod train --dataset amazon-beauty-p5 --composer-heads 1 --label a\\|b`<br>eval: `npx peapod eval --pack runs/h1 --out results/beauty/ablation-heads1 --ablation composer heads = 1` |',
    );
    // Missing task and missing training time show as dashes, not zeros.
    expect(lines[at + 5]).toBe('| [no task prompts](results/beauty/ablation-notime/metrics.json) | – min / – steps | .0200 | .0100 | – | – | – | 300 | remapped, atomic | unconstrained | train: `–`<br>eval: `eval it` |');
    expect(lines[at + 6]).toBe('');
  });

  it('keeps ablation rows out of the main tables and their command list', () => {
    const main = text.slice(0, text.indexOf('### Ablations'));
    expect(main).toContain('results/beauty/full/metrics.json');
    expect(main).not.toContain('ablation-heads1');
    expect(main).not.toContain('ablation-notime');
    expect(text.match(/ablation-heads1\/metrics\.json/g)).toHaveLength(1);
  });

  it('renders no ablation table for a dataset without ablation rows', () => {
    const sports = text.slice(text.indexOf('## Sports'), text.indexOf('## Toys'));
    expect(sports).not.toContain('Ablations');
  });
});

describe('scripts/results.ts baseline legend', () => {
  it('states each baseline rule once, from the notes of its metrics files', () => {
    const tmp = makeTmpDir('peapod-results-');
    try {
      const m = { packName: 'p', dataset: 'amazon-toys-p5', ids: 'remapped', idScheme: 'n/a', split: 'test', users: 9, constrained: null, metrics: {}, command: 'c' };
      tmp.write('results/toys/baseline-pmf-remap/metrics.json', JSON.stringify({ ...m, baseline: 'pmf', notes: 'dot products; history excluded' }));
      tmp.write('results/toys/baseline-pmf-original/metrics.json', JSON.stringify({ ...m, baseline: 'pmf', notes: 'dot products; history excluded' }));
      tmp.write('results/toys/baseline-id-order-remap/metrics.json', JSON.stringify({ ...m, baseline: 'id-order', notes: 'last id + 1' }));
      const lines = render(tmp.dir).split('\n');
      const at = lines.indexOf('## Baselines');
      expect(at).toBeGreaterThan(0);
      expect(lines.slice(at + 5, at + 8)).toEqual(['- **id-order**: last id + 1.', '- **pmf**: dot products; history excluded.', '']);
    } finally {
      tmp.cleanup();
    }
  });
});
