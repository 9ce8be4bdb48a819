// The measured backend choice, for real: with the test hook ?adapterAsHardware=1 the page treats this
// machine's software WebGPU adapter (SwiftShader) as a hardware one, so it times the pack's decoder
// step on WebGPU and on WASM, picks the faster and says so with both numbers; a reload reuses the
// remembered choice. &probeBudgetMs= replaces the 300 ms probing budget: wide here, because
// SwiftShader is 30-100x slower than a GPU (and this machine is shared), or 0 to run it out. Nothing
// here depends on which backend is faster, only on the choice agreeing with the reported numbers.
import { expect, test } from '@playwright/test';
import { READY_TIMEOUT } from './helpers.ts';

const HOOK = ' The software adapter was measured as if it were hardware (test hook ?adapterAsHardware=1).';
const MEASURED = /^Measured for this pack: WebGPU ([\d.]+) ms vs WASM ([\d.]+) ms per decoder step; (WebGPU|WASM) chosen\./;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test.beforeEach(({}, info) => {
  test.skip(info.project.name !== 'webgpu', 'needs a WebGPU adapter to measure');
});

test('a hardware adapter: WebGPU and WASM are measured on the pack, the faster is chosen and said with both numbers; a reload remembers it', async ({ page }) => {
  test.setTimeout(300_000);
  const name = page.getByTestId('backend-name');
  const reason = page.getByTestId('backend-reason');
  const timing = page.getByTestId('backend-timing');
  const url = '/?adapterAsHardware=1&probeBudgetMs=60000';
  await page.goto(url);
  await expect(name).toHaveText(/^(webgpu|wasm)$/, { timeout: READY_TIMEOUT });
  const sentence = (await reason.textContent())!;
  const m = MEASURED.exec(sentence);
  expect(m, sentence).not.toBeNull();
  expect(sentence.endsWith(HOOK)).toBe(true);
  const webgpuMs = Number(m![1]);
  const wasmMs = Number(m![2]);
  expect(webgpuMs).toBeGreaterThan(0);
  expect(wasmMs).toBeGreaterThan(0);
  const chosen = (await name.textContent())!;
  expect(m![3]!.toLowerCase()).toBe(chosen);
  // The chosen backend is the faster of the two numbers reported.
  expect(chosen === 'webgpu' ? webgpuMs <= wasmMs : wasmMs <= webgpuMs, sentence).toBe(true);
  await expect(timing).toHaveAttribute('data-remembered', 'false');
  await expect(timing).toHaveText(/^probe \d+ ms \(adapter \d+, memory \d+, failed \d+, measure \d+, smoke \d+\) \+ (webgpu|wasm) start \d+ ms( \(.+\))?$/);
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: READY_TIMEOUT });

  // The page dropped the hook from its URL; the reload names it again (same adapter facts, same key).
  await page.goto(url);
  await expect(reason).toHaveText(new RegExp(`^Remembered from your last visit on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d: ${escape(sentence)}$`), { timeout: READY_TIMEOUT });
  await expect(name).toHaveText(chosen);
  await expect(timing).toHaveAttribute('data-remembered', 'true');
  await expect(timing).toHaveText(/^probe \d+ ms \(adapter \d+, memory \d+, failed \d+, smoke \d+\) \+ (webgpu|wasm) start \d+ ms( \(.+\))?$/);
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
});

test('out of budget: the model-size rule decides, says so, and the next visit measures again', async ({ page }) => {
  test.setTimeout(240_000);
  const reason = page.getByTestId('backend-reason');
  const fallback = `Measuring WebGPU against WASM for this pack did not fit the 0 ms probing budget (nothing measured); the model-size rule decided and the next visit measures again: Small model (4.8 MFLOP/token): WASM beats WebGPU on this size (measured on an H200).${HOOK}`;
  const url = '/?adapterAsHardware=1&probeBudgetMs=0';
  await page.goto(url);
  await expect(reason).toHaveText(fallback, { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await page.goto(url);
  await expect(reason).toHaveText(fallback, { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-timing')).toHaveAttribute('data-remembered', 'false');
});
