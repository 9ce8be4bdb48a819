// `--keep-weights least-generic` (torch engine): which of the trainer's snapshots becomes the pack.
// How generic a model's explanations are moves a lot from one checkpoint to the next (the share of
// its most common sentence can double between neighbouring snapshots) while the losses barely move,
// so the losses cannot choose. Each snapshot instead decodes the validation explanation pairs
// exactly as the evaluator decodes test pairs (the paper's decoding), and the one whose most common
// sentence is the smallest share of its outputs is kept; ties go to the higher BLEU-4, then the later
// step. Only validation pairs are read: test pairs never choose a checkpoint.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assignCheckpoint } from '../model/pack/hf-names.ts';
import { parseSafetensors } from '../model/pack/safetensors.ts';
import type { PeapodModel } from '../model/peapod.ts';
import { DEFAULT_EVAL, evaluateModel, type EvalModel } from '../eval/evaluate.ts';

/** One snapshot's validation explanations: text metrics and how generic they are. */
export interface SnapshotScore {
  step: number;
  /** Share of the outputs taken by the single most common sentence. */
  topShare: number;
  distinct: number;
  bleu1: number;
  bleu4: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

/** The trainer's snapshots (snapshots/step-N.safetensors in its bundle folder), oldest first. */
export function listSnapshots(bundleDir: string): { step: number; file: string }[] {
  const folder = path.join(bundleDir, 'snapshots');
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .map((name) => ({ name, m: /^step-(\d+)\.safetensors$/.exec(name) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ step: Number(x.m![1]), file: path.join(folder, x.name) }))
    .sort((a, b) => a.step - b.step);
}

/** The least generic snapshot: smallest top share, then higher BLEU-4, then the later step. */
export function chooseSnapshot(scores: readonly SnapshotScore[]): SnapshotScore {
  if (scores.length === 0) throw new Error('no snapshot to choose from');
  return scores.reduce((best, s) => (s.topShare < best.topShare || (s.topShare === best.topShare && (s.bleu4 > best.bleu4 || (s.bleu4 === best.bleu4 && s.step > best.step))) ? s : best));
}

/** Loads one snapshot's weights into the model (the checkpoint importer, as for best.safetensors). */
export function importSnapshot(file: string, model: PeapodModel): void {
  assignCheckpoint(model.config, model.params, parseSafetensors(new Uint8Array(fs.readFileSync(file))).tensors);
}

/**
 * Decodes the validation explanation pairs (`e.explanations`; the first `pairs` of them, 0 = all) with
 * every snapshot in turn and returns their scores, oldest first. Leaves the model holding the last
 * snapshot's weights.
 */
export async function scoreSnapshots(bundleDir: string, model: PeapodModel, e: EvalModel, log: (msg: string) => void, pairs = 0): Promise<SnapshotScore[]> {
  const snaps = listSnapshots(bundleDir);
  if (snaps.length === 0) throw new Error(`${path.join(bundleDir, 'snapshots')} holds no step-N.safetensors: the trainer kept no snapshots (is --snapshot-every above 0?).`);
  if (e.explanations.length === 0) throw new Error('--keep-weights least-generic needs validation explanation pairs (a review dataset, --tasks with explanation).');
  const scores: SnapshotScore[] = [];
  let spent = 0;
  for (const [i, s] of snaps.entries()) {
    importSnapshot(s.file, model);
    const t0 = performance.now();
    const r = await evaluateModel(e, { ...DEFAULT_EVAL, split: 'valid', tasks: ['explanation'], users: pairs });
    const m = r.metrics.explanation!;
    const q = m.quality!;
    const score = { step: s.step, topShare: q.topShare, distinct: q.distinct, bleu1: m.bleu1, bleu4: m.bleu4, rouge1: m.rouge1, rouge2: m.rouge2, rougeL: m.rougeL };
    scores.push(score);
    const secs = (performance.now() - t0) / 1000;
    spent += secs;
    const eta = (spent / (i + 1)) * (snaps.length - i - 1);
    log(`snapshot ${i + 1}/${snaps.length} (step ${s.step}): validation explanations ${q.distinct} distinct, most common ${(100 * q.topShare).toFixed(1)}%, BLEU-4 ${m.bleu4.toFixed(2)} (${secs.toFixed(0)} s; ETA ${eta.toFixed(0)} s)`);
  }
  return scores;
}
