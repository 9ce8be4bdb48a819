// A first visit: one sentence says what the app is and where to start, and a hint offers the guided
// tour; dismissing it (or starting the tour) is remembered across reloads, per browser profile.
import { expect, test } from '@playwright/test';
import { openReady } from './helpers.ts';

test('the intro line and a remembered, dismissable "Start the guided tour" hint', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI only; run once');
  await openReady(page);
  await expect(page.getByTestId('intro')).toContainText('See how a T5 recommender personalises');
  await expect(page.getByTestId('tour-hint')).toBeVisible();
  await page.getByTestId('tour-hint-dismiss').click();
  await expect(page.getByTestId('tour-hint')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('intro')).toBeVisible();
  await expect(page.getByTestId('load-status')).toBeVisible();
  await expect(page.getByTestId('tour-hint')).toHaveCount(0);

  // Another profile has not dismissed it; starting the tour from it opens step 1 and retires the hint.
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await openReady(other);
  await other.getByTestId('tour-hint-start').click();
  await expect(other.getByTestId('tour')).toHaveAttribute('data-step', '0');
  await expect(other.getByTestId('tour-hint')).toHaveCount(0);
  await other.keyboard.press('Escape');
  await other.reload();
  await expect(other.getByTestId('intro')).toBeVisible();
  await expect(other.getByTestId('tour-hint')).toHaveCount(0);
  await ctx.close();
});
