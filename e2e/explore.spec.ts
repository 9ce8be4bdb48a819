// The main flow on the Beauty pack: load with progress -> pick a user -> attention heatmap whose
// rows sum to 1 -> recommendations -> masking a neighbour changes the attention -> shared URL.
import { expect, test } from '@playwright/test';
import { heatmapWeights, openReady, READY_TIMEOUT, sequentialScores, settled, shot } from './helpers.ts';

test.describe('loading', () => {
  // The pack's files are held back briefly so the download is seen however fast this machine and its
  // local server are (a fast load can finish between two checks); page.route cannot see requests a
  // service worker answers, so it is off for this test.
  test.use({ serviceWorkers: 'block' });

test('loads with per-file progress and a warm-up step, showing the example meanwhile', async ({ page }, info) => {
  await page.route(/\/models\/beauty\/[^/]+\.bin$/, async (route) => {
    const res = await route.fetch();
    await new Promise((r) => setTimeout(r, 1500));
    await route.fulfill({ response: res });
  });
  const phases: string[] = [];
  await page.exposeFunction('recordPhase', (p: string) => phases.push(p));
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="load-status"]');
      const p = el?.getAttribute('data-phase');
      const w = window as unknown as { lastPhase?: string; recordPhase(p: string): void };
      if (p && p !== w.lastPhase) {
        w.lastPhase = p;
        void w.recordPhase(p);
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await page.goto('/');
  await expect(page.getByTestId('file-progress').first()).toBeVisible({ timeout: READY_TIMEOUT });
  await shot(page, info, 'loading');
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  expect(phases[0]).toBe('downloading');
  expect(phases).toContain('warming');
  expect(phases.at(-1)).toBe('ready');
  await expect(page.getByTestId('heatmap')).toBeVisible();
  await shot(page, info, 'ready');
});
});

test('user -> heatmap (rows sum to 1) -> recommendations -> mask a neighbour -> URL restores it', async ({ page }, info) => {
  await openReady(page, '?user=3');
  await expect(page.getByTestId('user-label')).not.toBeEmpty();
  const label = await page.getByTestId('user-label').textContent();
  const history = page.getByTestId('history').locator('li');
  expect(await history.count()).toBeGreaterThan(2);

  const w0 = await heatmapWeights(page);
  expect(w0.length).toBeGreaterThan(0);
  for (const row of w0) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
  const seq0 = await sequentialScores(page);
  expect(seq0).toHaveLength(10);
  // The spread line under the heatmap states the head average's largest weight against uniform.
  const mean = await page.getByTestId('heatmap-mean').evaluate((r) => Array.from(r.querySelectorAll('td'), (td) => Number((td as HTMLElement).dataset.weight)));
  const spread = await page.getByTestId('attention-spread').textContent();
  expect(spread).toContain(`${((Math.max(...mean) * mean.length) / mean.reduce((a, b) => a + b, 0)).toFixed(2)}× the uniform 1/${mean.length}`);
  // Hovering a neighbour lights up its column in every heatmap row (heads + mean).
  await page.getByTestId('neighbour-row').nth(1).hover();
  await expect(page.getByTestId('heatmap').locator('thead th.hovered')).toHaveCount(1);
  await expect(page.getByTestId('heatmap').locator('td.hovered')).toHaveCount(w0.length + 1);
  await shot(page, info, 'explore');

  // Evaluation view: the held-out test item leaves the history (and is marked ● where predicted).
  const before = await history.count();
  await page.getByTestId('evaluation-toggle').check();
  await expect(history).toHaveCount(before - 1);
  await expect(page.getByTestId('test-hidden')).toBeVisible();
  await settled(page);
  await page.getByTestId('evaluation-toggle').uncheck();
  await expect(history).toHaveCount(before);
  await settled(page);

  // Mask the first neighbour: its column goes to 0 and the other weights change.
  await page.getByTestId('mask-toggle').first().uncheck();
  await settled(page);
  await expect.poll(async () => (await heatmapWeights(page))[0]![0], { timeout: READY_TIMEOUT }).toBe(0);
  const w1 = await heatmapWeights(page);
  for (const row of w1) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
  expect(w1[0]![1]).not.toBeCloseTo(w0[0]![1]!, 6);
  await expect(page).toHaveURL(/mask_uid=\d+/);
  await shot(page, info, 'masked');

  // Change n and the view; then the shared URL restores all of it in a fresh page.
  await page.getByTestId('n-input').fill('5');
  await settled(page);
  await expect.poll(async () => (await heatmapWeights(page))[0]!.length).toBe(5);
  await page.getByTestId('task-topn').click();
  const url = page.url();
  expect(url).toMatch(/n=5/);
  expect(url).toMatch(/task=topn/);
  const page2 = await page.context().newPage();
  await page2.goto(url);
  await expect(page2.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page2.getByTestId('user-label')).toHaveText(label!);
  await expect(page2.getByTestId('n-input')).toHaveValue('5');
  await expect(page2.getByTestId('mask-toggle').first()).not.toBeChecked();
  await expect(page2.getByTestId('topn-results').locator('li')).toHaveCount(100, { timeout: READY_TIMEOUT });
  await expect(page2.getByTestId('held-out-mark')).toHaveCount(1);
  await expect.poll(async () => (await heatmapWeights(page2))[0]![0]).toBe(0);
  await shot(page2, info, 'restored-topn');
});

test('each recommendation score sits inside its own row when long item names wrap', async ({ page }) => {
  // User 12786's list has names that wrap in the outputs column (a floated score used to drift into
  // the next row, next to that row's score).
  await openReady(page, '?user=12785');
  const rows = page.getByTestId('sequential-results').locator('li');
  await expect(rows).toHaveCount(10);
  const placement = await rows.evaluateAll((lis) =>
    lis.map((li) => {
      const r = li.getBoundingClientRect();
      const s = li.querySelector('.score')!.getBoundingClientRect();
      return { wraps: li.querySelector('.item-name')!.getClientRects().length > 1 || r.height > 20, inside: s.top >= r.top - 0.5 && s.bottom <= r.bottom + 0.5 };
    }),
  );
  expect(placement.some((p) => p.wraps)).toBe(true);
  expect(placement.map((p) => p.inside)).toEqual(new Array(10).fill(true));
});
