// Cold start: build a user from catalogue items, recommend for them, and find the profile again
// after a reload (IndexedDB).
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, sequentialScores, shot } from './helpers.ts';

test('a cold-start user is folded in, gets neighbours and recommendations, and survives a reload', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'storage and fold-in are backend-independent; run once');
  await openReady(page, '?user=0');
  await page.getByTestId('panel-coldstart').click();
  const search = page.getByTestId('catalogue-search');
  for (const q of ['1', '2', '3']) {
    await search.fill(q);
    await page.getByTestId('catalogue-results').locator('button').first().click();
  }
  await expect(page.getByTestId('picked-items').locator('li')).toHaveCount(3);
  await page.getByTestId('profile-name').fill('Classroom user');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile')).toHaveCount(1);
  await shot(page, info, 'coldstart-builder');

  await page.reload();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await page.getByTestId('panel-coldstart').click();
  await expect(page.getByTestId('profile')).toHaveCount(1);
  await expect(page.getByTestId('profile')).toContainText('Classroom user');
  // Import adds profiles from a JSON file (the export format).
  await page.getByTestId('profiles-import').setInputFiles({
    name: 'profiles.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ format: 'peapod-profiles/1', profiles: [{ name: 'Imported', pack: 'beauty', items: [5, 6] }] })),
  });
  await expect(page.getByTestId('profile-message')).toHaveText('Imported 1 profile.');
  await expect(page.getByTestId('profile')).toHaveCount(2);
  await page.getByTestId('profile-run').first().click();
  await expect(page.getByTestId('user-label')).toHaveText('Classroom user', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('history').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('neighbour-row').first()).toBeVisible();
  await expect.poll(async () => (await sequentialScores(page)).length, { timeout: READY_TIMEOUT }).toBe(10);
  await shot(page, info, 'coldstart-explore');
});
