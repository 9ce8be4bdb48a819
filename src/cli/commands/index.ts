// Registry of CLI sub-commands. Each command lives in its own module (its options, help and parsing
// in one table there: see ../options.ts); add one line here per command, with its one-line summary.
import type { Command, CommandModule } from './types.ts';

export const commands: Record<string, Command> = {};

// Commands register lazily so that `peapod data` does not load TensorFlow.js.
function lazy(summary: string, load: () => Promise<{ command: CommandModule }>): Command {
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
commands['negatives'] = lazy("generate P5's fixed top-n test negatives (byte-identical to P5's Toys file)", () => import('./negatives.ts'));
commands['train'] = lazy('train a PeaPOD model on a dataset and export a weight pack', () => import('./train.ts'));
commands['export'] = lazy('write a weight pack with seeded random weights (--random), for benchmarks', () => import('./export.ts'));
commands['import'] = lazy('turn a checkpoint folder (config.json + model.safetensors) into a weight pack', () => import('./import.ts'));
commands['eval'] = lazy("evaluate a weight pack with the paper's protocol (metrics.json + predictions.jsonl)", () => import('./eval.ts'));
commands['results'] = lazy('regenerate RESULTS.md from the metrics files (--check: fail if out of date)', () => import('./results.ts'));
