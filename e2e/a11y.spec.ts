// Keyboard and screen-reader access: skip links to each panel, the heatmap as one tab stop with
// arrow keys (ARIA grid, a label per cell), focus back where it was when the tour closes with Esc,
// and axe-core on every tab with no serious or critical violation.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openReady, settled } from './helpers.ts';

async function focused(page: Page): Promise<{ cell: string | null; label: string | null; id: string | null; testid: string | null }> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    return { cell: e?.dataset.cell ?? null, label: e?.getAttribute('aria-label') ?? null, id: e?.id || null, testid: e?.dataset.testid ?? null };
  });
}

test('skip links, the heatmap grid, focus after the tour, and axe on every tab', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI only; run once');
  // axe on every tab takes ~45 s on a quiet 2-core machine and over 2 minutes on a busy one.
  test.setTimeout(360_000);
  await openReady(page, '?uid=12');
  await settled(page);

  // The heatmap is one tab stop.
  const heatmap = page.getByTestId('heatmap');
  await expect(heatmap).toHaveAttribute('role', 'grid');
  await expect(heatmap.locator('[tabindex="0"]')).toHaveCount(1);
  const cells = await heatmap.locator('td').count();
  expect(await heatmap.locator('[tabindex="-1"]').count()).toBe(cells + 5 - 1); // every cell and row header (5 rows) but the active one
  // Tab reaches the grid once, and the next Tab leaves it.
  await page.getByTestId('individual-only').focus();
  let tabs = 0;
  while ((await focused(page)).cell === null && tabs < 80) {
    await page.keyboard.press('Tab');
    tabs++;
  }
  expect((await focused(page)).cell).toBe('0-1');
  await page.keyboard.press('Tab');
  expect((await focused(page)).cell).toBeNull();
  await page.keyboard.press('Shift+Tab');
  expect((await focused(page)).cell).toBe('0-1');
  // Arrow keys move cell by cell; each cell names head, neighbour, user and weight.
  await page.keyboard.press('ArrowRight');
  let f = await focused(page);
  expect(f.cell).toBe('0-2');
  expect(f.label).toMatch(/^head 1, neighbour 2, user \d+: weight \d\.\d{4}$/);
  await page.keyboard.press('ArrowDown');
  expect((await focused(page)).cell).toBe('1-2');
  await page.keyboard.press('End');
  const cols = (await heatmap.locator('tbody tr').first().locator('td').count()).toString();
  expect((await focused(page)).cell).toBe(`1-${cols}`);
  await page.keyboard.press('Home');
  f = await focused(page);
  expect(f.cell).toBe('1-0');
  expect(f.label).toBe('h2: head 2, show its bars');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(heatmap.locator('[data-cell="1-0"]')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  f = await focused(page);
  expect(f.cell).toBe('4-1');
  expect(f.label).toMatch(/^head average, neighbour 1, /);

  // Skip links: the first Tab stops on them; each moves focus to its panel.
  const first = await page.evaluate(() => (document.querySelector('a[href], button, input, select, [tabindex="0"]') as HTMLElement).dataset.testid);
  expect(first).toBe('skip-col-user');
  await page.getByTestId('pack-picker').focus();
  await page.keyboard.press('Shift+Tab');
  expect((await focused(page)).testid).toBe('skip-col-outputs');
  await expect(page.getByTestId('skip-col-outputs')).toBeVisible();
  for (let k = 0; k < 4; k++) await page.keyboard.press('Shift+Tab');
  expect((await focused(page)).testid).toBe('skip-col-user');
  await page.keyboard.press('Enter');
  expect((await focused(page)).id).toBe('col-user');
  await page.getByTestId('pack-picker').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  expect((await focused(page)).id).toBe('col-outputs');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.getElementById('col-outputs')!.contains(document.activeElement))).toBe(true);

  // The tour, opened from the keyboard, gives focus back when Esc closes it.
  await page.getByTestId('tour-start').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tour')).toBeVisible();
  await expect(page.getByTestId('tour-next')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('tour')).toHaveCount(0);
  await expect(page.getByTestId('tour-start')).toBeFocused();

  // axe-core on every tab: no serious or critical violation.
  for (const panel of ['explore', 'coldstart', 'evaluate', 'pack']) {
    await page.getByTestId(`panel-${panel}`).click();
    await page.waitForTimeout(0);
    const res = await new AxeBuilder({ page }).analyze();
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), panel).toEqual([]);
  }
  await page.getByTestId('panel-explore').click();
  await page.getByTestId('task-topn').click();
  await settled(page);
  const topn = await new AxeBuilder({ page }).analyze();
  expect(topn.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), 'top-n').toEqual([]);
});
