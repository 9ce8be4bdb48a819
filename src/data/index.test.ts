import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// index.ts is what the browser bundle imports: nothing reachable from it may import Node modules.
describe('browser-safe public API', () => {
  it('no module reachable from src/data/index.ts imports node:* or a Node-only data module', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*from\s+'([^']+)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || ['fs', 'path', 'zlib', 'crypto', 'http'].includes(spec)) offenders.push(`${path.basename(file)} -> ${spec}`);
        else if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      }
    };
    visit(path.join(here, 'index.ts'));
    expect(offenders).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].some((f) => f.endsWith('node-fs.ts'))).toBe(false);
  });

  it('exports the entry points other layers use', async () => {
    const api = await import('./index.ts');
    for (const name of ['leaveOneOut', 'sampleTrainingExample', 'enumerateTrainingPairs', 'p5TestNegatives', 'remapItems', 'mulberry32', 'itemPopularity', 'DatasetFormatError', 'parsePodExplanations']) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
    const node = await import('./node.ts');
    for (const name of ['loadDataset', 'resolveDataDir', 'datasetFingerprint', 'downloadDatasets', 'loadExplanations']) {
      expect(typeof (node as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
