// Backend choice: the app prefers WASM over a software WebGPU adapter and says why; ?backend= and
// the header's picker switch it; the numbers do not depend on the backend (within tolerance).
import { expect, test } from '@playwright/test';
import { heatmapWeights, openReady, READY_TIMEOUT, sequentialScores, shot } from './helpers.ts';

test('the page reports which TF.js backend it runs on, and why', async ({ page }, info) => {
  await page.goto('/');
  const name = page.getByTestId('backend-name');
  await expect(name).toHaveText(/^(webgpu|wasm|webgl|cpu)$/, { timeout: READY_TIMEOUT });
  // Here the only WebGPU adapter is SwiftShader, a CPU emulation: the app must prefer WASM in both
  // projects, and say why in a way that differs between them.
  await expect(name).toHaveText('wasm');
  const reason = await page.getByTestId('backend-reason').textContent();
  // Under load the adapter request can miss the start-up box instead: also wasm, said so.
  if (info.project.name === 'webgpu') expect(reason).toMatch(/CPU emulation|did not answer within/);
  else expect(reason).toMatch(/No WebGPU adapter|did not answer within/);
});

test('?backend= forces a backend', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-reason')).toHaveText(/Forced/);
});

test('switching the backend gives the same attention and scores within tolerance', async ({ page }, info) => {
  test.setTimeout(300_000);
  await openReady(page, '?user=2');
  const wasmWeights = await heatmapWeights(page);
  const wasmSeq = await sequentialScores(page);
  // The webgpu project compares SwiftShader WebGPU with WASM; the other compares CPU with WASM.
  const other = info.project.name === 'webgpu' ? 'webgpu' : 'cpu';
  await page.getByTestId('backend-picker').selectOption(other);
  await expect(page.getByTestId('backend-name')).toHaveText(other, { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-reason')).toHaveText(/You picked/);
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: 240_000 });
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: 240_000 });
  await expect(page).toHaveURL(new RegExp(`backend=${other}`));
  const w = await heatmapWeights(page);
  const seq = await sequentialScores(page);
  w.forEach((row, h) => row.forEach((v, j) => expect(Math.abs(v - wasmWeights[h]![j]!)).toBeLessThan(1e-3)));
  // Beam order may swap near-ties, so compare the score of each item both lists contain.
  const byItem = new Map(wasmSeq.map((s) => [s.item, s.score]));
  let common = 0;
  for (const s of seq) {
    const ref = byItem.get(s.item);
    if (ref === undefined) continue;
    common++;
    expect(Math.abs(s.score - ref)).toBeLessThan(1e-2);
  }
  expect(common).toBeGreaterThanOrEqual(8);
  await shot(page, info, `backend-${other}`);
});
