// The other views: evaluate tab with progress, pack card with training curves, the guided tour,
// keyboard access to the heatmap, and typed errors for an unknown user.
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, shot } from './helpers.ts';

test('evaluate, pack card, tour, keyboard and an unknown-user error', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI-only flows; run once');
  await openReady(page, '?user=1');

  // Unknown user: a typed error that says what to do.
  await page.getByTestId('user-search').fill('no-such-user');
  await page.getByTestId('user-search').press('Enter');
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'UnknownUser');
  await expect(page.getByTestId('error-banner')).toContainText('Random');

  // Keyboard: a heatmap cell takes focus and names its weight for screen readers.
  await page.getByTestId('heatmap').locator('td').first().focus();
  await expect(page.getByTestId('heatmap').locator('td').first()).toHaveAttribute('aria-label', /weight \d\.\d{4}/);

  // Tour: six steps, each outlining a live panel.
  await page.getByTestId('tour-start').click();
  for (let s = 0; s < 6; s++) {
    await expect(page.getByTestId('tour')).toHaveAttribute('data-step', String(s));
    await expect(page.locator('.tour-focus')).toHaveCount(1);
    if (s === 2) await shot(page, info, 'tour-attention');
    await page.getByTestId('tour-next').click();
  }
  await expect(page.getByTestId('tour')).toHaveCount(0);

  // Evaluate on 3 users: a metrics table appears beside the references and the bar is full.
  await page.getByTestId('panel-evaluate').click();
  await page.getByTestId('eval-users').fill('3');
  await page.getByTestId('eval-run').click();
  await expect(page.getByTestId('metrics-sequential')).toContainText('this browser (3 users;', { timeout: READY_TIMEOUT });
  const bar = page.getByTestId('eval-progress');
  expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
  await expect(page.getByTestId('metrics-sequential')).toContainText('POD (published)');
  await shot(page, info, 'evaluate');

  await page.getByTestId('panel-pack').click();
  await expect(page.getByTestId('pack-card')).toContainText('users');
  await shot(page, info, 'pack-card');
});
