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
  expect(original).toMatch(info.project.name === 'webgpu' ? /CPU emulation/ : /No WebGPU adapter/);
  await expect(timing).toHaveAttribute('data-remembered', 'false');
  await expect(timing).toHaveText(/^probe \d+ ms \(adapter \d+, memory \d+, failed \d+, smoke \d+\) \+ wasm start \d+ ms$/);
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
  await expect(reason).toHaveText(original);
  await expect(name).toHaveText(first);
  await expect(page.getByTestId('backend-picker')).toHaveValue('auto');
  await ready();

  // The re-checked result is what the next visit remembers.
  await page.reload();
  await expect(reason).toHaveText(/^Remembered from your last visit on /, { timeout: READY_TIMEOUT });
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
