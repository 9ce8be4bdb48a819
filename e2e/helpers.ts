// Shared steps of the end-to-end tests: open the app, wait for the model, read numbers off the page.
import { expect, type Page, type TestInfo } from '@playwright/test';

/** Loading the pack, compiling kernels and the first prediction on 2 shared cores. */
export const READY_TIMEOUT = 120_000;

export async function openReady(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('heatmap').or(page.getByTestId('no-attention'))).toBeVisible({ timeout: READY_TIMEOUT });
  await expect(page.getByTestId('explore')).toHaveAttribute('data-example', 'false');
}

/** Attention weights as drawn: [heads][neighbours] from the cells' data-weight attributes. */
export async function heatmapWeights(page: Page): Promise<number[][]> {
  return page.getByTestId('heatmap-row').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => Number((td as HTMLElement).dataset.weight))),
  );
}

export async function sequentialScores(page: Page): Promise<{ item: number; score: number }[]> {
  return page
    .getByTestId('sequential-results')
    .locator('li')
    .evaluateAll((lis) => lis.map((li) => ({ item: Number((li as HTMLElement).dataset.item), score: Number((li as HTMLElement).dataset.score) })));
}

/** Waits until no recomputation is pending. */
export async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('busy')).toHaveCount(0, { timeout: READY_TIMEOUT });
}

export async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}
