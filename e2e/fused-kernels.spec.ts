// The fused WebGPU kernels (src/model/webgpu) on a real WebGPU adapter (SwiftShader here): each kernel
// against the unfused TensorFlow.js ops on seeded random inputs, a tiny random model's encoder and
// beam-reordered decoding likewise, then both shipped packs' next-item and top-n results against WASM.
// The page doing the work is kernel-check.html (bench/kernel-check.ts); this test only reads its
// results. Also checks the dispatch budget: 4 per decoder layer per cached step, one read-back.
import { expect, test } from '@playwright/test';

interface Counts {
  dispatches: number;
  uploads: number;
  readbacks: number;
}
interface PackRun {
  nextItems: number[][];
  nextScores: number[][];
  topnItems: number[][];
  topnScores: number[][];
  counts?: { nextItem: Counts; topn: Counts };
  step?: Counts & { layers: number };
}
interface Check {
  error?: string;
  kernels: Record<string, number>;
  models: Record<string, number>;
  packs: Record<string, { webgpu: PackRun; wasm: PackRun }>;
}

const TOLERANCE = 1e-4;

test('fused WebGPU kernels equal the unfused ops and WASM within 1e-4, at 4 dispatches per decoder layer and one read-back per step', async ({ page }, info) => {
  test.skip(info.project.name !== 'webgpu', 'needs a WebGPU adapter');
  test.setTimeout(600_000);
  await page.goto('/kernel-check.html?packs=beauty,musical-instruments&users=0,1');
  await page.waitForFunction(() => (window as unknown as { __kernelCheck?: unknown }).__kernelCheck, null, { timeout: 540_000, polling: 1000 });
  const r = await page.evaluate(() => (window as unknown as { __kernelCheck: Check }).__kernelCheck);
  expect(r.error).toBeUndefined();

  const kernels = Object.keys(r.kernels);
  for (const name of ['kv', 'kv append', 'attend (encoder', 'attend (decoder step', 'attend (cross', 'ffn (relu)', 'ffn (gated gelu)', 'norm', 'head', 'topk', 'embed']) {
    expect(kernels.some((k) => k.startsWith(name)), `a check of ${name}`).toBe(true);
  }
  for (const [name, diff] of [...Object.entries(r.kernels), ...Object.entries(r.models)]) expect(diff, name).toBeLessThan(TOLERANCE);
  expect(Object.keys(r.models)).toHaveLength(4);

  for (const [name, { webgpu, wasm }] of Object.entries(r.packs)) {
    expect(webgpu.nextItems, `${name}: next-item top 10`).toEqual(wasm.nextItems);
    expect(webgpu.topnItems, `${name}: top-n top 10`).toEqual(wasm.topnItems);
    const diffs = [...webgpu.nextScores.flat().map((v, i) => Math.abs(v - wasm.nextScores.flat()[i]!)), ...webgpu.topnScores.flat().map((v, i) => Math.abs(v - wasm.topnScores.flat()[i]!))];
    expect(diffs.length).toBeGreaterThan(20);
    expect(Math.max(...diffs), `${name}: largest log-probability difference`).toBeLessThan(TOLERANCE);
    // One cached step: an embedding lookup, 4 kernels per decoder layer, the head and the top-k.
    const step = webgpu.step!;
    expect(step.dispatches, `${name}: dispatches of one step`).toBe(4 * step.layers + 3);
    expect(step.readbacks, `${name}: read-backs of one step`).toBe(1);
    expect(step.uploads, `${name}: uploads of one step (the packed token / parent / example ids)`).toBe(1);
  }
  expect(Object.keys(r.packs)).toEqual(['beauty', 'musical-instruments']);
});
