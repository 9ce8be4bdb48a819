// The precomputed example shown while the model loads says which settings it was computed with, and
// the columns show it with those settings (its evaluation view hides the held-out item and ticks the
// box); the live result that replaces it uses the page's settings.
import { expect, test } from '@playwright/test';
import { READY_TIMEOUT } from './helpers.ts';

test('the preview is labelled with its settings and shown with them; the live view follows the page', async ({ page, request }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI only; run once');
  const example = (await (await request.get('/models/beauty/example.json')).json()) as {
    result: { evaluation: boolean; constrained: boolean; whatIf: { n: number }; user: { label: string; history: unknown[] }; sequential: { item: { id: number } }[] };
  };
  expect(example.result.evaluation).toBe(true);
  // Hold the weights back so the preview stays on screen while we look at it.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(/\/models\/beauty\/weights-shard\d+of\d+\.bin/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await expect(page.getByTestId('example-badge')).toBeVisible({ timeout: READY_TIMEOUT });
  await expect(page.getByTestId('explore')).toHaveAttribute('data-example', 'true');
  await expect(page.getByTestId('example-settings')).toHaveText(`evaluation view on (held-out test item hidden), constrained decoding, n = ${example.result.whatIf.n}, T5 + priors`);
  await expect(page.getByTestId('user-label')).toHaveText(example.result.user.label);
  await expect(page.getByTestId('evaluation-toggle')).toBeChecked();
  await expect(page.getByTestId('test-hidden')).toBeVisible();
  await expect(page.getByTestId('history').locator('li')).toHaveCount(example.result.user.history.length - 1);
  await expect(page.getByTestId('constrained-toggle')).toBeChecked();
  expect(await page.getByTestId('sequential-results').locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.item)))).toEqual(
    example.result.sequential.map((s) => s.item.id),
  );
  await page.screenshot({ path: info.outputPath('preview.png'), fullPage: true });

  release();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('explore')).toHaveAttribute('data-example', 'false', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('example-badge')).toHaveCount(0);
  // The page's default: evaluation view off, the whole history shown.
  await expect(page.getByTestId('user-label')).toHaveText(example.result.user.label);
  await expect(page.getByTestId('evaluation-toggle')).not.toBeChecked();
  await expect(page.getByTestId('history').locator('li')).toHaveCount(example.result.user.history.length);
});
