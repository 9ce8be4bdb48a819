// Faults at run time: the model worker crashes, or the WebGPU device is lost (forced with
// GPUDevice.destroy() on SwiftShader). Either way the app starts a fresh worker (on the next backend
// for a lost device), says so, and restores the person's user and masked neighbours.
import { expect, test, type Page } from '@playwright/test';
import { heatmapWeights, openReady, READY_TIMEOUT, settled, shot } from './helpers.ts';

/**
 * The app's model worker (the built `assets/worker-<hash>.js`), not one of the threaded WASM build's
 * pthread workers (`tfjs-backend-wasm-threaded-simd.worker-<hash>.js`), which it starts itself.
 */
const MODEL_WORKER = /\/worker-[\w-]+\.js(\?|$)/;

async function modelWorker(page: Page) {
  await expect.poll(() => page.workers().some((w) => MODEL_WORKER.test(w.url())), { timeout: READY_TIMEOUT }).toBe(true);
  return page.workers().filter((w) => MODEL_WORKER.test(w.url())).at(-1)!;
}

async function maskFirstNeighbour(page: Page): Promise<number[][]> {
  await page.getByTestId('mask-toggle').first().uncheck();
  await settled(page);
  await expect.poll(async () => (await heatmapWeights(page))[0]![0], { timeout: READY_TIMEOUT }).toBe(0);
  return heatmapWeights(page);
}

async function expectRestored(page: Page, label: string, weights: number[][]): Promise<void> {
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: 200_000 });
  await expect(page.getByTestId('user-label')).toHaveText(label);
  await expect(page.getByTestId('mask-toggle').first()).not.toBeChecked();
  await expect(page.getByTestId('explore')).toHaveAttribute('data-example', 'false');
  // Polled on the values, not only the shape: a heatmap of the right size can show for a moment before
  // the restored masks and n have been applied (the restart answers in several steps).
  const gap = (w: number[][]) => (w.length !== weights.length || w.some((row, h) => row.length !== weights[h]!.length) ? Infinity : Math.max(...w.flatMap((row, h) => row.map((v, j) => Math.abs(v - weights[h]![j]!)))));
  await expect.poll(async () => gap(await heatmapWeights(page)), { timeout: READY_TIMEOUT }).toBeLessThan(1e-3);
}

test('a crashed worker is restarted and the user and masks come back', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'the worker is backend-independent; run once');
  await openReady(page, '?user=3');
  const label = (await page.getByTestId('user-label').textContent())!;
  const weights = await maskFirstNeighbour(page);
  const before = await modelWorker(page);
  // An uncaught error in the worker reaches the page's Worker.onerror, as a real crash would.
  await before.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated worker crash');
    });
  });
  await expect(page.getByTestId('error-banner')).toContainText('simulated worker crash', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('error-banner')).toContainText('restarted');
  await expectRestored(page, label, weights);
  await shot(page, info, 'worker-restarted');
});

test('a lost WebGPU device falls back to the next backend and keeps the user and masks', async ({ page }, info) => {
  test.skip(info.project.name !== 'webgpu', 'needs a WebGPU adapter');
  test.setTimeout(400_000);
  await page.goto('/?backend=webgpu&user=2');
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: 200_000 });
  await expect(page.getByTestId('heatmap')).toBeVisible({ timeout: 200_000 });
  await expect(page.getByTestId('explore')).toHaveAttribute('data-example', 'false', { timeout: 200_000 });
  const label = (await page.getByTestId('user-label').textContent())!;
  const weights = await maskFirstNeighbour(page);
  // The next command buffer the backend encodes destroys its device first.
  await (await modelWorker(page)).evaluate(() => {
    const proto = (globalThis as unknown as { GPUDevice: { prototype: { createCommandEncoder(...a: unknown[]): unknown; destroy(): void } } }).GPUDevice.prototype;
    const orig = proto.createCommandEncoder;
    proto.createCommandEncoder = function (this: { destroy(): void }, ...a: unknown[]) {
      proto.createCommandEncoder = orig;
      this.destroy();
      return orig.apply(this, a);
    };
  });
  await page.getByTestId('n-input').fill('4');
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'DeviceLost', { timeout: 200_000 });
  await expect(page.getByTestId('error-banner')).toContainText('Switched away from the webgpu backend');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 200_000 });
  await page.getByTestId('n-input').fill(String(weights[0]!.length));
  await expectRestored(page, label, weights);
  await shot(page, info, 'device-lost-fallback');
});
