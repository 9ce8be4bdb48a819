import { test, expect } from '@playwright/test';

test('the page reports which TF.js backend it runs on, and why', async ({ page }, info) => {
  await page.goto('/');
  const name = page.getByTestId('backend-name');
  await expect(name).toHaveText(/^(webgpu|wasm|webgl|cpu)$/);
  const reason = await page.getByTestId('backend-reason').textContent();
  // Here the only WebGPU adapter is SwiftShader, a CPU emulation: the app must prefer WASM in both
  // projects, and say why in a way that differs between them.
  await expect(name).toHaveText('wasm');
  if (info.project.name === 'webgpu') expect(reason).toMatch(/CPU emulation/);
  else expect(reason).toMatch(/No WebGPU adapter/);
});

test('?backend= forces a backend', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  await expect(page.getByTestId('backend-reason')).toHaveText(/Forced/);
});
