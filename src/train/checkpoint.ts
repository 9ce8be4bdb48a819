// Training checkpoints: every weight, the optimizer moments and the trainer's counters in one folder
// (checkpoint.json + tensors.bin), written to a temporary folder and renamed into place so an
// interruption never leaves a half-written checkpoint. Node only; must not decide when to save.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PeapodError } from '../errors.ts';

export class CheckpointError extends PeapodError {
  override name = 'CheckpointError';
  override readonly code = 'train-checkpoint';
}

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into tensors.bin. */
  offset: number;
}

export interface CheckpointFile<S> {
  format: 'peapod-checkpoint';
  version: 1;
  tensors: TensorEntry[];
  state: S;
}

const JSON_NAME = 'checkpoint.json';
const BIN_NAME = 'tensors.bin';

/** Saves named tensors + a JSON-serialisable state. Reads tensor values synchronously (Node). */
export function saveCheckpoint<S>(dir: string, tensors: Map<string, tf.Tensor>, state: S): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const entries: TensorEntry[] = [];
  let total = 0;
  for (const [name, t] of tensors) {
    entries.push({ name, shape: t.shape.slice(), offset: total });
    total += t.size;
  }
  const buf = new Float32Array(total);
  let k = 0;
  for (const t of tensors.values()) {
    buf.set(t.dataSync(), entries[k++]!.offset);
  }
  fs.writeFileSync(path.join(tmp, BIN_NAME), new Uint8Array(buf.buffer));
  const file: CheckpointFile<S> = { format: 'peapod-checkpoint', version: 1, tensors: entries, state };
  fs.writeFileSync(path.join(tmp, JSON_NAME), JSON.stringify(file));
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

export function checkpointExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, JSON_NAME)) && fs.existsSync(path.join(dir, BIN_NAME));
}

export interface LoadedCheckpoint<S> {
  values: Map<string, { shape: number[]; data: Float32Array }>;
  state: S;
}

export function loadCheckpoint<S>(dir: string): LoadedCheckpoint<S> {
  const jsonPath = path.join(dir, JSON_NAME);
  const binPath = path.join(dir, BIN_NAME);
  if (!checkpointExists(dir)) throw new CheckpointError(`no checkpoint in ${dir} (expected ${JSON_NAME} and ${BIN_NAME}); run without --resume to start fresh.`);
  let file: CheckpointFile<S>;
  try {
    file = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as CheckpointFile<S>;
  } catch (e) {
    throw new CheckpointError(`${jsonPath} is not valid JSON (${(e as Error).message}); delete the checkpoint folder and train again.`);
  }
  if (file.format !== 'peapod-checkpoint' || file.version !== 1)
    throw new CheckpointError(`${jsonPath} is not a version-1 peapod checkpoint (format ${String(file.format)}, version ${String(file.version)}).`);
  const raw = fs.readFileSync(binPath);
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of file.tensors) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + size > all.length)
      throw new CheckpointError(`${binPath} is truncated: tensor ${e.name} needs elements ${e.offset}..${e.offset + size} but the file holds ${all.length}; the checkpoint is damaged, delete it and train again.`);
    values.set(e.name, { shape: e.shape, data: all.slice(e.offset, e.offset + size) });
  }
  return { values, state: file.state };
}

/** Assigns saved values into live variables, checking that every variable is present with its shape. */
export function restoreVariables(dir: string, loaded: LoadedCheckpoint<unknown>, vars: Map<string, tf.Variable>, prefix = ''): void {
  for (const [name, v] of vars) {
    const saved = loaded.values.get(prefix + name);
    if (!saved) throw new CheckpointError(`checkpoint ${dir} has no tensor "${prefix + name}"; it was written by a different model config. Use the same config or start fresh.`);
    if (saved.shape.length !== v.shape.length || saved.shape.some((d, i) => d !== v.shape[i]))
      throw new CheckpointError(`checkpoint ${dir}: tensor "${prefix + name}" has shape [${saved.shape}] but the model expects [${v.shape}]; use the same config or start fresh.`);
    const t = tf.tensor(saved.data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}
