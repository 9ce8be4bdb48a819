// The UI side of the model worker: starts it and wraps it in a WorkerEngine (runtime/worker-engine.ts),
// whose methods the store awaits. Knows nothing about React or the store; never touches tensors.
import { WorkerEngine } from '../runtime/worker-engine.ts';

/** A fresh model worker (a backend switch or a restart starts another; terminate() ends it). */
export function createWorkerEngine(): WorkerEngine {
  return new WorkerEngine(new Worker(new URL('../runtime/worker.ts', import.meta.url), { type: 'module', name: 'peapod-model' }));
}
