// The pack card reads as tables (model beside T5-small, training time and samples/s, metrics at 4
// digits), its curves have axis titles, the active tab does not look disabled under the pointer, and
// the Musical Instruments pack says its items have no titles.
import { expect, test } from '@playwright/test';
import { openReady } from './helpers.ts';

test('pack card tables, curve axis titles, the active tab under the pointer, titles unavailable on Musical Instruments', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI only; run once');
  await openReady(page);
  const tab = page.getByTestId('panel-pack');
  await tab.click();
  await tab.hover();
  await expect(tab).toHaveAttribute('aria-pressed', 'true');
  // Active under the pointer: the accent (dark) background behind white text, full opacity.
  const look = await tab.evaluate((b) => ({ bg: getComputedStyle(b).backgroundColor, fg: getComputedStyle(b).color, opacity: getComputedStyle(b).opacity }));
  expect(look).toEqual({ bg: 'rgb(44, 62, 107)', fg: 'rgb(255, 255, 255)', opacity: '1' });

  const card = page.getByTestId('pack-card');
  await expect(page.getByTestId('pack-model')).toContainText('T5-small');
  await expect(page.getByTestId('pack-model').locator('tr', { hasText: 'parameters' })).toContainText(/\d+\.\d\d M.*60\.51 M/);
  await expect(page.getByTestId('pack-training').locator('tr', { hasText: 'training time' })).toContainText(/\d+ (h|min)/);
  await expect(page.getByTestId('pack-training').locator('tr', { hasText: 'samples / s' })).toContainText(/^samples \/ s\d+\.\d$/);
  const cells = await page.getByTestId('pack-metrics').locator('td').allTextContents();
  expect(cells.length).toBeGreaterThan(5);
  for (const c of cells) expect(c).toMatch(/^(\d[\d,]*( pairs)?|\d+\.\d{4}|–)$/);
  await expect(page.getByTestId('curves-x-title')).toHaveText('training step');
  await expect(page.getByTestId('curves-y-title')).toHaveText('loss (cross-entropy)');
  // No long floats outside the raw-fields toggle (closed).
  const visible = await card.evaluate((el) => {
    const clone = el.cloneNode(true) as HTMLElement;
    clone.querySelectorAll('details').forEach((d) => d.remove());
    return clone.textContent ?? '';
  });
  expect(visible).not.toMatch(/\d\.\d{6,}/);
  await expect(page.getByTestId('no-titles')).toHaveCount(0);
  await page.screenshot({ path: info.outputPath('pack-card-beauty.png'), fullPage: true });

  await page.getByTestId('pack-picker').selectOption('musical-instruments');
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('no-titles')).toContainText('Item titles are unavailable');
  await expect(page.getByTestId('pack-metrics')).toContainText('pairs');
  // Which checkpoint the pack holds, in words: the snapshot chosen on validation explanations.
  await expect(page.getByTestId('pack-training').locator('tr', { hasText: 'weights from' })).toContainText(/step [\d,]+ of 8,135: of \d+ snapshots/);
});
