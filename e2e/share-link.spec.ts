// Shared links name users and masked neighbours by their dataset ids (what the page shows), so a
// link opened elsewhere shows the same user; old links (pack indexes under user= / mask=) still open
// the user they meant and are rewritten in the new form.
import { expect, test, type Page } from '@playwright/test';
import { openReady, READY_TIMEOUT, settled, shot } from './helpers.ts';

async function neighbourIds(page: Page): Promise<{ index: string; id: string; attended: boolean }[]> {
  return page.getByTestId('neighbour-row').evaluateAll((rows) =>
    rows.map((r) => ({
      index: (r as HTMLElement).dataset.index ?? '',
      id: r.querySelector('button')?.textContent ?? '',
      attended: (r.querySelector('[data-testid="mask-toggle"]') as HTMLInputElement).checked,
    })),
  );
}

test('a shared link opens the same user, masks and n in a fresh browser context; old index links still work', async ({ page, browser }, info) => {
  test.skip(info.project.name === 'webgpu', 'URL handling; run once');
  // Typing dataset id 12 shows User 12 and the URL names uid=12 (not its index 11).
  await openReady(page);
  await page.getByTestId('user-search').fill('12');
  await page.getByTestId('user-search').press('Enter');
  await expect(page.getByTestId('user-label')).toHaveText('12', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('user-index')).toHaveText('index #11');
  await expect(page).toHaveURL(/[?&]uid=12(&|$)/);
  await expect(page).not.toHaveURL(/[?&]user=/);
  await settled(page);

  // Mask the second neighbour and set n = 6: the URL carries the neighbour's dataset id.
  await page.getByTestId('mask-toggle').nth(1).uncheck();
  await settled(page);
  await page.getByTestId('n-input').fill('6');
  await settled(page);
  const nbs = await neighbourIds(page);
  expect(nbs).toHaveLength(6);
  const masked = nbs.filter((n) => !n.attended);
  expect(masked).toHaveLength(1);
  expect(masked[0]!.id).not.toBe(masked[0]!.index);
  await expect(page).toHaveURL(new RegExp(`[?&]mask_uid=${masked[0]!.id}(&|$)`));
  await expect(page).toHaveURL(/[?&]n=6(&|$)/);
  const url = page.url();
  await shot(page, info, 'shared-source');

  // A fresh context (no storage shared with the first) opens the link: same user, masks and n.
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await openReady(other, new URL(url).search);
  await expect(other.getByTestId('user-label')).toHaveText('12');
  await expect(other.getByTestId('n-input')).toHaveValue('6');
  await settled(other);
  expect(await neighbourIds(other)).toEqual(nbs);
  await expect.poll(() => new URL(other.url()).search).toBe(new URL(url).search);
  await shot(other, info, 'shared-opened');

  // An old link by index (user=11, mask=<index>) opens User 12 with that neighbour masked and is
  // rewritten with dataset ids.
  await openReady(other, `?user=11&mask=${masked[0]!.index}&n=6`);
  await expect(other.getByTestId('user-label')).toHaveText('12');
  await settled(other);
  expect(await neighbourIds(other)).toEqual(nbs);
  await expect.poll(() => new URL(other.url()).search).toBe(new URL(url).search);

  // A link naming a user the pack does not have says so and falls back to a user it has.
  await other.goto('/?uid=999999999');
  await expect(other.getByTestId('error-banner')).toHaveAttribute('data-code', 'UnknownUser', { timeout: READY_TIMEOUT });
  await expect(other.getByTestId('user-label')).not.toBeEmpty({ timeout: READY_TIMEOUT });
  await ctx.close();
});
