// Registry of CLI sub-commands. Each command lives in its own module; add one line here per command.
import type { Command } from './types.ts';

export const commands: Record<string, Command> = {};

// Commands register lazily so that `peapod data` does not load TensorFlow.js.
function lazy(summary: string, load: () => Promise<{ command: Command }>): Command {
  return { summary, run: async (argv) => (await load()).command.run(argv) };
}

commands['version'] = {
  summary: 'print the version of peapod-web',
  run: async () => {
    console.log('peapod-web 0.1.0');
    return 0;
  },
};
commands['data'] = lazy('download, describe (info) and validate (check) the datasets', () => import('./data.ts'));
commands['negatives'] = lazy("generate P5's fixed top-n test negatives", () => import('./negatives.ts'));
commands['train'] = lazy('train a PeaPOD model and export a weight pack', () => import('./train.ts'));
commands['export'] = lazy('write a weight pack with seeded random weights (--random), for benchmarks', () => import('./export.ts'));
commands['import'] = lazy('turn a checkpoint folder (config.json + model.safetensors) into a weight pack', () => import('./import.ts'));
commands['eval'] = lazy("evaluate a weight pack with the paper's protocol", () => import('./eval.ts'));
commands['results'] = lazy('regenerate RESULTS.md from the metrics files', () => import('./results.ts'));
