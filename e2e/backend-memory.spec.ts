// The automatic backend choice is remembered per browser + adapter: a reload says so and starts the
// same backend; "Re-check backends" forgets it and probes everything again (and remembers that).
import { expect, test } from '@playwright/test';
import { READY_TIMEOUT, shot } from './helpers.ts';

test('the automatic backend is remembered across a reload, and Re-check runs the full probe', async ({ page }, info) => {
  test.setTimeout(240_000);
  const name = page.getByTestId('backend-name');
  const reason = page.getByTestId('backend-reason');
  const timing = page.getByTestId('backend-timing');
  const ready = () => expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });

  // First visit in a fresh browser context: the full probe.
  await page.goto('/');
  await expect(name).toHaveText(/^(webgpu|wasm|webgl|cpu)$/, { timeout: READY_TIMEOUT });
  const first = (await name.textContent())!;
  // The only WebGPU adapter here is SwiftShader (or none): the probe must pick wasm in both projects.
  expect(first).toBe('wasm');
  const original = (await reason.textContent())!;
  expect(original).not.toMatch(/Remembered/);
  // Either answer leads to wasm; which one comes depends on how fast this machine's adapter request
  // answers (under load SwiftShader's can miss the start-up box), and no test may depend on that.
  const fresh = info.project.name === 'webgpu' ? /^(?!Remembered).*(CPU emulation|did not answer within)/ : /^(?!Remembered).*(No WebGPU adapter|did not answer within)/;
  expect(original).toMatch(fresh);
  await expect(timing).toHaveAttribute('data-remembered', 'false');
  await expect(timing).toHaveText(/^probe \d+ ms \(adapter \d+, memory \d+, failed \d+, smoke \d+\) \+ wasm start \d+ ms( \(.+\))?$/);
  await ready();

  // Reload: the remembered backend, with the original reason and the date it was decided.
  await page.reload();
  await expect(reason).toHaveText(/^Remembered from your last visit on \d{4}-\d\d-\d\d \d\d:\d\d: /, { timeout: READY_TIMEOUT });
  expect(await reason.textContent()).toMatch(new RegExp(`: ${original.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  await expect(name).toHaveText(first);
  await expect(timing).toHaveAttribute('data-remembered', 'true');
  await ready();
  await shot(page, info, 'backend-remembered');

  // Re-check: the memory is dropped and every backend is probed again; the header says so.
  await page.getByTestId('backend-recheck').click();
  await expect(timing).toHaveAttribute('data-remembered', 'false', { timeout: READY_TIMEOUT });
  // A fresh reason again, the same either-answer one as on the first visit (the adapter request may
  // beat the start-up box this time and not last time, or the other way round).
  await expect(reason).toHaveText(fresh);
  const rechecked = (await reason.textContent())!;
  await expect(name).toHaveText(first);
  await expect(page.getByTestId('backend-picker')).toHaveValue('auto');
  await ready();

  // The re-checked result is what the next visit remembers.
  await page.reload();
  await expect(reason).toHaveText(/^Remembered from your last visit on /, { timeout: READY_TIMEOUT });
  expect(await reason.textContent()).toMatch(new RegExp(`: ${rechecked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  await expect(name).toHaveText(first);
});

test('a forced backend is not remembered as the automatic one', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-reason')).toHaveText(/Forced/, { timeout: READY_TIMEOUT });
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-reason')).not.toHaveText(/Remembered/);
  await expect(page.getByTestId('backend-timing')).toHaveAttribute('data-remembered', 'false');
});

/**
 * Replaces the worker's navigator.gpu with a scripted one: requestAdapter() answers, in order, null
 * (when `nullFirst`) and then an "nvidia" hardware adapter that cannot make a device. Nothing here
 * has a real GPU, so this is how the page's side of the late-adapter and model-size paths is seen.
 */
async function scriptWorkerGpu(page: import('@playwright/test').Page, nullFirst: boolean): Promise<void> {
  const shim = `(() => {
    let asked = 0;
    const adapter = { isFallbackAdapter: false, info: { vendor: 'nvidia', architecture: '', description: '', isFallbackAdapter: false }, features: new Set(), limits: {},
      requestDevice: () => Promise.reject(new Error('scripted adapter: no device')) };
    Object.defineProperty(self.navigator, 'gpu', { configurable: true, value: {
      requestAdapter: async () => (${nullFirst} && asked++ === 0 ? null : adapter),
      getPreferredCanvasFormat: () => 'rgba8unorm' } });
  })();\n`;
  await page.route(/\/assets\/worker-[^/]*\.js$/, async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, body: shim + (await res.text()) });
  });
}

test('a hardware adapter whose WebGPU cannot start: nothing to measure, wasm, and the reason says why', async ({ page }) => {
  await scriptWorkerGpu(page, false);
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: READY_TIMEOUT });
  // A hardware adapter means measuring WebGPU against WASM; the scripted one makes no device, so
  // WebGPU fails to start and WASM is left. (On a machine so busy that reading the memory and
  // starting WASM alone use the 300 ms probing budget, the size rule decides without trying WebGPU.)
  await expect(page.getByTestId('backend-reason')).toHaveText(
    /^(The WebGPU adapter \(nvidia\) did not start; WASM with SIMD is the fastest CPU backend \(webgpu failed to start\)\.|Measuring WebGPU against WASM for this pack did not fit the 300 ms probing budget \(nothing measured\); the model-size rule decided and the next visit measures again: Small model \(4\.8 MFLOP\/token\): WASM beats WebGPU on this size \(measured on an H200\)\.)$/,
  );
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
});

test('an adapter that answers only after start-up: the header offers WebGPU for a large model, and Switch now switches like the picker', async ({ page }, info) => {
  test.setTimeout(240_000);
  await scriptWorkerGpu(page, true);
  // The first worker's manifest is the size hint: make it T5-small-sized (d 512, 6+6, d_ff 2048).
  // The worker reads the manifest once, so its loader sees the same config, which the Beauty weights
  // do not fit: that load ends in a typed error. Later workers get the real file and load.
  let hinted = false as boolean;
  await page.route(/\/models\/beauty\/manifest\.json$/, async (route) => {
    const res = await route.fetch();
    if (hinted) return route.fulfill({ response: res });
    hinted = true;
    const m = (await res.json()) as { config: { t5: Record<string, unknown> } };
    Object.assign(m.config.t5, { dModel: 512, dKv: 64, numHeads: 8, dFf: 2048, numEncoderLayers: 6, numDecoderLayers: 6 });
    return route.fulfill({ response: res, body: JSON.stringify(m) });
  });
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-reason')).toHaveText('No WebGPU adapter in this browser; WASM with SIMD is the fastest CPU backend.');
  const late = page.getByTestId('backend-late-adapter');
  await expect(late).toHaveText('A GPU adapter (nvidia) appeared after start-up; next visit uses WebGPU — switch now', { timeout: 30_000 });
  const banner = page.getByTestId('error-banner');
  await expect(banner).toHaveAttribute('data-code', 'PackCorrupt', { timeout: READY_TIMEOUT });
  await expect(banner).toContainText(/but the config .* implies/);

  // tfjs's own webgpu backend does not go through the shim: in the 'webgpu' project it reaches the
  // browser's real SwiftShader adapter and starts; in 'no-webgpu' it cannot and falls through to wasm.
  const gpuStarts = info.project.name === 'webgpu';
  // "Switch now" does what the picker does: a fresh worker asked for webgpu.
  await page.getByTestId('backend-late-switch').click();
  await expect(page.getByTestId('backend-picker')).toHaveValue('webgpu');
  await expect(late).toHaveCount(0);
  await expect(page.getByTestId('backend-name')).toHaveText(gpuStarts ? 'webgpu' : 'wasm', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  // What the next visit does with the remembered late adapter is unit-tested (backend-choice.test.ts).
});
