// The explore page on a 1024 px laptop, a 1280 px and a 1366 px one: no horizontal scroll (the outputs move
// below the other columns under 1200 px), the heatmap's column labels readable, and the guided
// tour's box never over the panel it points at. Screenshots of both sizes are kept as artifacts.
import { expect, test, type Page } from '@playwright/test';
import { openReady, READY_TIMEOUT, settled } from './helpers.ts';

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1280, height: 800 },
  { width: 1366, height: 800 },
];

/** Elements whose right edge passes the viewport (what causes a horizontal scroll), for the failure message. */
async function overflow(page: Page): Promise<{ scroll: number; client: number; culprits: string[] }> {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > w + 0.5 && getComputedStyle(e).position !== 'fixed')
      .slice(0, 8)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, client: w, culprits };
  });
}

function intersects(a: DOMRect | { left: number; right: number; top: number; bottom: number }, b: { left: number; right: number; top: number; bottom: number }): boolean {
  return a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
}

for (const size of SIZES) {
  test(`explore at ${size.width}x${size.height}: no horizontal scroll, readable heatmap labels, the tour never covers its target`, async ({ page }, info) => {
    test.skip(info.project.name === 'webgpu', 'layout; run once');
    await page.setViewportSize(size);
    await openReady(page, '?uid=12');
    await settled(page);
    for (const panel of ['explore', 'coldstart', 'evaluate', 'pack', 'explore']) {
      await page.getByTestId(`panel-${panel}`).click();
      const o = await overflow(page);
      expect(o.scroll, `${panel}: ${o.culprits.join(', ')}`).toBeLessThanOrEqual(o.client);
    }
    for (const task of ['topn', 'sequential']) {
      await page.getByTestId(`task-${task}`).click();
      await settled(page);
      const o = await overflow(page);
      expect(o.scroll, `${task}: ${o.culprits.join(', ')}`).toBeLessThanOrEqual(o.client);
    }
    // The outputs sit beside the other columns on a wide screen and below them on a narrow one.
    const out = (await page.locator('[data-tour="outputs"]').boundingBox())!;
    const user = (await page.locator('[data-tour="cf"]').boundingBox())!;
    if (size.width < 1200) expect(out.y).toBeGreaterThanOrEqual(user.y + user.height);
    else expect(out.y).toBeLessThan(user.y + user.height);
    // Every row's name and score are inside the outputs column.
    const scores = await page.getByTestId('sequential-results').locator('.score').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
    for (const r of scores) expect(r).toBeLessThanOrEqual(out.x + out.width + 0.5);
    // Heatmap column labels (1, 5, 10, ...) are not clipped: either they fit their cell or the cell lets
    // them show, and the text stays inside the attention column.
    const labels = await page.getByTestId('heatmap').locator('thead th').evaluateAll((ths) => {
      const col = ths[0]!.closest('section')!.getBoundingClientRect();
      return ths
        .filter((t) => t.textContent)
        .map((t) => {
          const range = document.createRange();
          range.selectNodeContents(t);
          const r = range.getBoundingClientRect();
          const hidden = getComputedStyle(t).overflowX !== 'visible' && t.scrollWidth > t.clientWidth + 0.5;
          return { text: t.textContent, clipped: hidden || r.left < col.left || r.right > col.right };
        });
    });
    expect(labels.length).toBeGreaterThan(1);
    expect(labels.filter((l) => l.clipped)).toEqual([]);
    await page.screenshot({ path: info.outputPath(`explore-${size.width}x${size.height}.png`), fullPage: true });
    await info.attach(`explore-${size.width}x${size.height}`, { path: info.outputPath(`explore-${size.width}x${size.height}.png`), contentType: 'image/png' });

    // The tour: at every step the box and the outlined panel do not overlap, and the panel is in view.
    await page.getByTestId('tour-start').click();
    for (let step = 0; step < 6; step++) {
      await expect(page.getByTestId('tour')).toHaveAttribute('data-step', String(step));
      const target = page.locator('.tour-focus');
      await expect(target).toHaveCount(1);
      await expect.poll(async () => {
        const [box, t] = await Promise.all([page.getByTestId('tour').boundingBox(), target.evaluate((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: Math.max(0, r.top), bottom: Math.min(innerHeight, r.bottom), visible: r.bottom > 0 && r.top < innerHeight }; })]);
        const b = { left: box!.x, right: box!.x + box!.width, top: box!.y, bottom: box!.y + box!.height };
        return t.visible && !intersects(b, t);
      }, { timeout: 5_000, message: `tour step ${step + 1}` }).toBe(true);
      await page.screenshot({ path: info.outputPath(`tour-${step + 1}-${size.width}x${size.height}.png`) });
      await page.getByTestId('tour-next').click();
    }
    await expect(page.getByTestId('tour')).toHaveCount(0);
    await info.attach(`tour-6-${size.width}x${size.height}`, { path: info.outputPath(`tour-6-${size.width}x${size.height}.png`), contentType: 'image/png' });
    await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  });
}
