// WASM on every core: in the production build (minified, cross-origin isolated, strict CSP) the WASM
// backend starts its threaded build with one thread per reported core (capped at 8), says so in the
// header, and recommends exactly what the single-threaded build (?threads=1) recommends. Without
// cross-origin isolation it falls back to one thread, visibly and with the reason.
import { expect, test, type Page } from '@playwright/test';
import { openReady, READY_TIMEOUT, sequentialScores, shot } from './helpers.ts';

/** The threaded build pre-starts 8 pthread workers; src/runtime/wasm-threads.ts caps threads there. */
const MAX_THREADS = 8;

async function threads(page: Page): Promise<{ threads: number; build: string | null; fallback: string | null; text: string }> {
  const t = page.getByTestId('backend-threads');
  await expect(t).toBeVisible({ timeout: READY_TIMEOUT });
  return {
    threads: Number(await t.getAttribute('data-threads')),
    build: await t.getAttribute('data-build'),
    fallback: await t.getAttribute('data-fallback'),
    text: (await t.textContent()) ?? '',
  };
}

// ?backend=wasm starts the same way in both projects: one run (the no-webgpu project) is enough.
const ONE_PROJECT = 'no-webgpu';

test('?backend=wasm runs one thread per core and gives the same top-10 as ?threads=1', async ({ page }, info) => {
  test.skip(info.project.name !== ONE_PROJECT, 'runs in one project');
  test.setTimeout(300_000);
  await openReady(page, '?backend=wasm&uid=12');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const expected = Math.min(Math.max(1, cores), MAX_THREADS);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const multi = await threads(page);
  expect(multi.threads).toBe(expected);
  expect(multi.fallback).toBe('false');
  if (expected > 1) {
    expect(multi.build).toBe('threaded');
    expect(multi.text).toBe(`${expected} threads`);
  }
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10);
  const threaded = await sequentialScores(page);
  await shot(page, info, 'wasm-threads');

  await openReady(page, '?backend=wasm&uid=12&threads=1');
  const single = await threads(page);
  expect(single).toMatchObject({ threads: 1, build: 'simd', fallback: 'false', text: '1 thread' });
  await expect(page).toHaveURL(/threads=1/);
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10);
  const one = await sequentialScores(page);
  // The same ten items in the same order; the scores agree to float32 summation order.
  expect(one.map((s) => s.item)).toEqual(threaded.map((s) => s.item));
  one.forEach((s, i) => expect(Math.abs(s.score - threaded[i]!.score)).toBeLessThan(1e-3));
});

test('without cross-origin isolation the WASM backend falls back to one thread and says why', async ({ page }, info) => {
  test.skip(info.project.name !== ONE_PROJECT, 'runs in one project');
  test.setTimeout(300_000);
  // The same page without COOP/COEP: no SharedArrayBuffer, so no threads.
  await page.route(
    (url) => url.pathname === '/' || url.pathname.endsWith('/index.html'),
    async (route) => {
      const res = await route.fetch();
      const headers = { ...res.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response: res, headers });
    },
  );
  await openReady(page, '?backend=wasm');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  const t = await threads(page);
  expect(t).toMatchObject({ threads: 1, build: 'simd', fallback: 'true' });
  expect(t.text).toMatch(/1 thread \(single-threaded build\): the page is not cross-origin isolated/);
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10);
});
