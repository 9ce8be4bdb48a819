// The outputs' numbers are labelled (log-probability), and switching constrained decoding says what
// it changed, or that it changed nothing.
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, sequentialScores, settled } from './helpers.ts';

test('the score column is labelled and the constrained-decoding switch reports what it changed', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI text; run once');
  await openReady(page, '?uid=12');
  await settled(page);
  const head = page.getByTestId('sequential-results-head');
  await expect(head).toContainText('log-prob.');
  await expect(head.locator('abbr')).toHaveAttribute('title', /^log-probability/);
  // The header's label sits over the numbers.
  const [h, first] = await Promise.all([head.locator('.score-head').boundingBox(), page.getByTestId('sequential-results').locator('.score').first().boundingBox()]);
  expect(Math.abs(h!.x + h!.width - (first!.x + first!.width))).toBeLessThan(2);

  const on = await sequentialScores(page);
  await page.getByTestId('constrained-toggle').uncheck();
  await settled(page);
  const note = page.getByTestId('constrained-note');
  await expect(note).toBeVisible({ timeout: READY_TIMEOUT });
  const off = await sequentialScores(page);
  const sameItems = on.map((r) => r.item).join() === off.map((r) => r.item).join();
  const sameScores = sameItems && on.every((r, k) => Math.abs(r.score - off[k]!.score) < 5e-4);
  if (sameScores) await expect(note).toContainText('Unticking constrained decoding changed nothing here');
  else if (sameItems) await expect(note).toContainText('kept the same 10 items');
  else await expect(note).toContainText(/changed \d+ of 10 ranks/);
  await page.getByTestId('constrained-toggle').check();
  await settled(page);
  await expect(note).toContainText('Ticking constrained decoding');
  await expect(page).toHaveURL(/uid=12/);
});
