// Offline: after one visit the app shell (service worker) and the pack (pack cache, verified by
// SHA-256) are cached, so a reload and a fresh tab work with the network off; a newer pack version
// purges the old cache.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, sequentialScores, shot } from './helpers.ts';

test('after one visit the app loads and recommends with the network off', async ({ page, context }, info) => {
  test.skip(info.project.name === 'webgpu', 'caching is backend-independent; run once');
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await openReady(page, '?user=1');
  const online = await sequentialScores(page);
  expect(await page.evaluate(async () => Boolean(await navigator.serviceWorker.ready))).toBe(true);
  // Every pack file (manifest + 8) is in the cache once its background write lands.
  const packEntries = () =>
    page.evaluate(async () => {
      let n = 0;
      for (const name of await caches.keys()) if (name.startsWith('peapod-pack:beauty:')) n += (await (await caches.open(name)).keys()).length;
      return n;
    });
  await expect.poll(packEntries, { timeout: 30_000 }).toBe(9);
  // An old version of the pack is purged by the next online load.
  await page.evaluate(async () => (await caches.open('peapod-pack:beauty:0000000000000000')).put('/stale', new Response('x')));
  await page.reload();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect.poll(() => page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('peapod-pack:')).length)).toBe(1);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: READY_TIMEOUT });
  expect(await sequentialScores(page)).toEqual(online);
  const tab = await context.newPage();
  await tab.goto('/?user=2');
  await expect(tab.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(tab.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: READY_TIMEOUT });
  await shot(tab, info, 'offline');
  await context.setOffline(false);
  expect(violations).toEqual([]);

  // The pack card shows the bytes held (every file of the pack, exactly) and clears them.
  const dir = path.resolve(import.meta.dirname, '../public/models/beauty');
  const packBytes = readdirSync(dir).reduce((s, f) => s + statSync(path.join(dir, f)).size, 0);
  await tab.getByTestId('panel-pack').click();
  await expect(tab.getByTestId('cache-bytes')).toHaveAttribute('data-bytes', String(packBytes));
  await expect(tab.getByTestId('cache-bytes')).toContainText('in 1 cached pack version');
  await tab.getByTestId('cache-clear').click();
  await expect(tab.getByTestId('cache-bytes')).toHaveAttribute('data-bytes', '0');
  expect(await tab.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('peapod-pack:')))).toEqual([]);
});
