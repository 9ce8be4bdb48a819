// What-if changes read as sentences: one line per change with what it did to the top-10, dropped
// items by name, a note when n is clamped, individual-only said as it is (no collaborative prompt),
// and why a close neighbour can share no item.
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, sequentialScores, settled, shot } from './helpers.ts';

const LINE = /^(?<change>.+): (?:(?<moved>\d+) of 10 moved(?: \((?<fresh>\d+) new\))?, #1 (?:unchanged|now .+ \(was .+\))|nothing moved in the top-10)$/;

test('what-if summaries, dropped items by name, n clamped, individual-only and zero shared items explained', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI text over the same numbers; run once');
  await openReady(page, '?uid=12');
  await settled(page);
  const before = (await sequentialScores(page)).map((r) => r.item);

  // Mask the neighbour with the largest head-average attention.
  const mean = await page.getByTestId('heatmap-mean').evaluate((r) => Array.from(r.querySelectorAll('td'), (td) => Number((td as HTMLElement).dataset.weight)));
  const j = mean.indexOf(Math.max(...mean));
  const row = page.getByTestId('neighbour-row').nth(j);
  const id = (await row.locator('button').textContent())!;
  await row.getByTestId('mask-toggle').uncheck();
  await settled(page);
  const line = page.getByTestId('whatif-change').first();
  await expect(line).toHaveAttribute('data-pending', 'false', { timeout: READY_TIMEOUT });
  const text = (await line.textContent())!;
  const m = LINE.exec(text);
  expect(m, text).not.toBeNull();
  expect(m!.groups!.change).toBe(`masked ${id} (${Math.round(mean[j]! * 100)}% of attention)`);
  // The numbers in the line are the lists' own.
  const after = (await sequentialScores(page)).map((r) => r.item);
  const moved = after.filter((it, k) => before.indexOf(it) !== k).length;
  if (moved === 0) expect(text).toContain('nothing moved');
  else {
    expect(Number(m!.groups!.moved)).toBe(moved);
    expect(Number(m!.groups!.fresh ?? 0)).toBe(after.filter((it) => !before.includes(it)).length);
    expect(text).toContain(after[0] === before[0] ? '#1 unchanged' : '#1 now');
  }

  // Individual-only: a second line, the attention and prompt columns say there is no collaborative prompt.
  await page.getByTestId('individual-only').check();
  await settled(page);
  await expect(page.getByTestId('whatif-change')).toHaveCount(2);
  await expect(page.getByTestId('whatif-change').nth(1)).toHaveAttribute('data-pending', 'false', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('whatif-change').nth(1)).toContainText(/^individual-only on \(no neighbours, no collaborative prompt\): /);
  await expect(page.getByTestId('no-attention')).toContainText('no collaborative prompt at all');
  await expect(page.getByTestId('prompt-collab-none')).toContainText('individual-only drops the collaborative prompt');
  await expect(page.getByTestId('prompt-collab')).toHaveCount(0);
  // Items that left the unmodified user's top-10 are listed by name.
  const unmodified = before;
  const now = (await sequentialScores(page)).map((r) => r.item);
  const dropped = unmodified.filter((it) => !now.includes(it));
  expect(dropped.length).toBeGreaterThan(0);
  const droppedLine = page.getByTestId('dropped');
  await expect(droppedLine.locator('.item-name')).toHaveCount(dropped.length);
  for (const it of dropped) await expect(droppedLine).toContainText(`item ${it}`);
  await shot(page, info, 'whatif-log');
  await page.getByTestId('individual-only').uncheck();
  await settled(page);

  // n beyond the pack's maximum is clamped, and the page says so.
  const nMax = Number(await page.getByTestId('n-input').getAttribute('max'));
  await page.getByTestId('n-input').fill(String(nMax + 30));
  await expect(page.getByTestId('n-clamped')).toContainText(`You asked for n = ${nMax + 30}`);
  await expect(page.getByTestId('n-clamped')).toContainText(`${nMax} is used`);
  await expect(page.getByTestId('n-input')).toHaveValue(String(nMax));
  await page.getByTestId('reset-whatif').click();
  await settled(page);
  await expect(page.getByTestId('whatif-log')).toHaveCount(0);
  await expect(page.getByTestId('n-clamped')).toHaveCount(0);

  // A neighbour sharing no item with the user comes with the reason.
  const rows = page.getByTestId('neighbour-row');
  let found = false;
  for (let k = 0; k < Math.min(await rows.count(), 10) && !found; k++) {
    const nbId = (await rows.nth(k).locator('button').textContent())!;
    await rows.nth(k).locator('button').click();
    await expect(page.getByTestId('neighbour-detail').locator('h3')).toContainText(`User ${nbId}`, { timeout: READY_TIMEOUT });
    const shared = Number(await page.getByTestId('shared-count').getAttribute('data-count'));
    expect(await page.getByTestId('shared-items').locator('li').count()).toBe(shared);
    if (shared === 0) {
      await expect(page.getByTestId('no-shared-why')).toContainText('CF (PMF) vectors');
      found = true;
    } else await expect(page.getByTestId('no-shared-why')).toHaveCount(0);
  }
  expect(found).toBe(true);
});
