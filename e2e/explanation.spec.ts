// Explanations on the Musical Instruments pack: the text streams token by token and Stop ends it.
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, shot } from './helpers.ts';

test('an explanation streams and can be stopped; a full one shows the reference', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'streaming is backend-independent; run once');
  const manifest = await page.request.get('/models/musical-instruments/manifest.json');
  const shipped = manifest.ok() && (manifest.headers()['content-type'] ?? '').includes('json');
  test.skip(!shipped, 'no Musical Instruments pack under public/models/musical-instruments (export it with peapod train --out public/models/musical-instruments)');
  // The CPU backend is slow enough that Stop can land mid-stream (WASM finishes 21 tokens in ~0.2 s).
  await openReady(page, '?pack=musical-instruments&user=0&task=explanation&backend=cpu');
  await expect(page.getByTestId('explanation-panel')).toBeVisible();

  // Full run: the status passes through "streaming" with a growing token count, then "done".
  await page.getByTestId('explain-run').click();
  await expect(page.getByTestId('explanation-text')).toHaveAttribute('data-streaming', 'true');
  await expect(page.getByTestId('explanation-status')).toHaveText(/done, \d+ tokens/, { timeout: READY_TIMEOUT });
  const full = await page.getByTestId('explanation-text').textContent();
  expect(full!.trim().split(/\s+/).length).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('explanation-reference')).toContainText('Reference:');
  // Items with a reference come first in the picker; for those the reference sentence is shown.
  const picked = await page.getByTestId('explain-item').locator('option:checked').textContent();
  if (picked!.includes('has a reference')) await expect(page.getByTestId('explanation-reference')).not.toContainText('no reference');
  await shot(page, info, 'explanation-done');

  // Stopped run: press Stop while streaming.
  await page.getByTestId('explain-run').click();
  await expect(page.getByTestId('explanation-status')).toHaveText(/streaming… [1-9]/, { timeout: READY_TIMEOUT });
  await page.getByTestId('explain-stop').click();
  await expect(page.getByTestId('explanation-text')).toHaveAttribute('data-stopped', 'true', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('explanation-status')).toHaveText(/stopped after \d+ tokens/);
  // Stopped means stopped: nothing more arrives.
  const frozen = await page.getByTestId('explanation-text').textContent();
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('explanation-text')).toHaveText(frozen!);
  await shot(page, info, 'explanation-stopped');
});
