import { defineConfig } from 'vitest/config';

// Two projects, both run by `vitest run` (and so by `npm test`): `unit`, the quick tests, and `slow`,
// the files named *.slow.test.ts — each took over 10 s in a full run here: real-data fits and
// training runs (CF on Beauty, the torch and TF.js pipelines, P5 negatives, dataset downloads from
// local copies) and T5-sized model checks. `npx vitest run --project unit` is the quick loop.
const shared = {
  environment: 'node' as const,
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  setupFiles: ['src/test-setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['src/**/*.test.ts', 'bench/**/*.test.ts'], exclude: ['**/*.slow.test.ts', '**/node_modules/**'] } },
      { test: { ...shared, name: 'slow', include: ['src/**/*.slow.test.ts', 'bench/**/*.slow.test.ts'] } },
    ],
  },
});
