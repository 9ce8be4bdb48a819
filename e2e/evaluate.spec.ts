// The Evaluate tab on a small sample: every number from this browser carries its 95% interval, a
// warning says the sample is small, the default number of users is sized to about a minute on this
// device, and the footer names sources, not repository files.
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT } from './helpers.ts';

test('small-sample evaluation shows 95% intervals and a warning; the default is sized to a minute; no repository paths', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI over the worker’s evaluation; run once');
  await openReady(page, '?uid=12');
  await page.getByTestId('panel-evaluate').click();
  const suggestion = page.getByTestId('eval-suggestion');
  await expect(suggestion).toContainText('About a minute on this device');
  const suggested = Number(await suggestion.getAttribute('data-users'));
  expect(suggested).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('eval-users')).toHaveValue(String(suggested));
  const footer = page.getByTestId('eval-footer');
  await expect(footer).toContainText('P5 paper');
  expect(await footer.textContent()).not.toMatch(/docs\/|\.md\b|src\//);

  await page.getByTestId('eval-users').fill('20');
  await expect(page.getByTestId('eval-use-suggestion')).toBeVisible();
  await page.getByTestId('eval-run').click();
  await expect(page.getByTestId('metrics-sequential')).toContainText('this browser (20 users', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('eval-few-users')).toContainText('Only 20 test users');
  const cells = await page.getByTestId('metrics-sequential').getByTestId('metric-with-ci').evaluateAll((tds) =>
    tds.map((td) => ({ v: Number(td.firstChild!.textContent), lo: Number((td as HTMLElement).dataset.lo), hi: Number((td as HTMLElement).dataset.hi) })),
  );
  expect(cells.length).toBe(5);
  for (const c of cells) {
    expect(c.lo).toBeLessThanOrEqual(c.v + 1e-4);
    expect(c.hi).toBeGreaterThanOrEqual(c.v - 1e-4);
    // 20 users cannot pin a rate down: every interval is wider than 0.1, a zero included.
    expect(c.hi - c.lo).toBeGreaterThan(0.1);
  }
  // After a run, the suggestion is timed on it.
  await expect(suggestion).toContainText('timed on your last run');
  await page.screenshot({ path: info.outputPath('evaluate.png'), fullPage: true });
});
