// Reliability: damaged, missing and stalled pack files (served through page.route) end in a clear,
// typed message with a Retry that resumes from the verified files already in the pack cache; bad
// URL state and bad profile files are refused with a sentence, and the app keeps working.
import { expect, test, type Page, type Route, type TestInfo } from '@playwright/test';
import { openReady, READY_TIMEOUT, shot } from './helpers.ts';

const PACK = '**/models/beauty/';
const EARLY_SHARDS = ['weights-shard1of2.bin', 'weights-shard2of2.bin', 'data-shard1of3.bin', 'data-shard2of3.bin'];
/** The last shard in manifest order: every file before it is complete and cached when it fails. */
const LAST_SHARD = 'data-shard3of3.bin';

// page.route cannot see requests a service worker answers; these tests are about the pack loader.
test.use({ serviceWorkers: 'block' });
test.beforeEach(({}, info) => test.skip(info.project.name === 'webgpu', 'pack and state handling are backend-independent; run once'));

/** Pack files the page (and its worker) requested, by file name. */
function requested(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const m = /\/models\/beauty\/([^?]+)/.exec(r.url());
    if (m) seen.push(m[1]!);
  });
  return seen;
}

async function cachedFiles(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let n = 0;
    for (const name of await caches.keys()) if (name.startsWith('peapod-pack:beauty:')) n += (await (await caches.open(name)).keys()).length;
    return n;
  });
}

async function failsThenRetries(page: Page, damage: (route: Route) => Promise<void>, expectCode: string, expectText: RegExp, shotName: string, info: TestInfo, during?: () => Promise<void>): Promise<void> {
  const seen = requested(page);
  await page.route(PACK + LAST_SHARD, damage);
  await page.goto('/?user=1');
  await during?.();
  const banner = page.getByTestId('error-banner');
  await expect(banner).toHaveAttribute('data-code', expectCode, { timeout: READY_TIMEOUT });
  await expect(banner).toContainText(expectText);
  // A failure names the file; a cancel by the person does not need to.
  if (!expectText.source.includes('cancelled')) await expect(banner).toContainText(LAST_SHARD);
  await shot(page, info, shotName);
  // The verified files before the damaged one are in the cache (manifest + four shards).
  await expect.poll(() => cachedFiles(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(1 + EARLY_SHARDS.length);
  await page.unroute(PACK + LAST_SHARD);
  seen.length = 0;
  await page.getByTestId('error-retry').click();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: READY_TIMEOUT });
  // Retry resumed: the four early shards came from the cache, only the failed one was fetched.
  expect(seen).toContain(LAST_SHARD);
  for (const f of EARLY_SHARDS) expect(seen).not.toContain(f);
}

test('a flipped byte in a shard: PackCorrupt naming the file and the SHA-256; Retry resumes from the cache', async ({ page }, info) => {
  await failsThenRetries(
    page,
    async (route) => {
      const res = await route.fetch();
      const body = await res.body();
      body[body.length >> 1]! ^= 0x40;
      await route.fulfill({ response: res, body });
    },
    'PackCorrupt',
    /SHA-256/,
    'pack-corrupt',
    info,
  );
});

test('a truncated shard: PackCorrupt saying how many bytes arrived; Retry resumes', async ({ page }, info) => {
  await failsThenRetries(
    page,
    async (route) => {
      const res = await route.fetch();
      const body = await res.body();
      await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: body.subarray(0, body.length >> 1) });
    },
    'PackCorrupt',
    /has \d+ bytes but the manifest says \d+/,
    'pack-truncated',
    info,
  );
});

test('a missing shard (404): a typed error naming HTTP 404; Retry resumes', async ({ page }, info) => {
  await failsThenRetries(page, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }), 'PackCorrupt', /HTTP 404/, 'pack-404', info);
});

test('a stalled shard: progress stays honest, Cancel stops it, Retry resumes', async ({ page }, info) => {
  await failsThenRetries(
    page,
    async () => {
      // Never answers: the download must not hang forever.
    },
    'PackLoadFailed',
    /Download cancelled/,
    'pack-stalled',
    info,
    async () => {
      // While it hangs: still "downloading", the early shards full, the stalled one not.
      const row = (f: string) => page.getByTestId('file-progress').filter({ hasText: f }).locator('progress');
      for (const f of EARLY_SHARDS) {
        await expect.poll(async () => (await row(f).count()) && (await row(f).getAttribute('value')) === (await row(f).getAttribute('max')), { timeout: READY_TIMEOUT }).toBe(true);
      }
      await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'downloading');
      expect(await row(LAST_SHARD).count()).toBe(0);
      await shot(page, info, 'pack-stalling');
      // Cancel instead of waiting for the 20 s watchdog (pack-cache.test.ts covers that).
      await page.getByTestId('load-cancel').click();
    },
  );
});

test('a manifest of another format version: a ModelPackVersionError sentence', async ({ page }, info) => {
  await page.route(PACK + 'manifest.json', async (route) => {
    const res = await route.fetch();
    const m = await res.json();
    await route.fulfill({ response: res, json: { ...m, formatVersion: 99 } });
  });
  await page.goto('/');
  const banner = page.getByTestId('error-banner');
  await expect(banner).toHaveAttribute('data-code', 'PackCorrupt', { timeout: READY_TIMEOUT });
  await expect(banner).toContainText('formatVersion is 99');
  // The stable codes beside the sentence: the protocol's, and the model layer's behind it.
  await expect(page.getByTestId('error-code')).toHaveText('code: PackCorrupt, cause: pack-version');
  await expect(page.getByTestId('error-retry')).toBeVisible();
  await shot(page, info, 'pack-version');
});

test('unknown user and pack in the URL: the pack falls back to beauty, the user is a typed error', async ({ page }) => {
  await page.goto('/?pack=no-such-pack&user=99999999');
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('pack-picker')).toHaveValue('beauty');
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'UnknownUser', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('error-code')).toHaveText('code: UnknownUser');
  // Still usable: Random picks a real user.
  await page.getByTestId('random-user').click();
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: READY_TIMEOUT });
});

test('profile import: malformed, huge and unknown-item files are refused or fail with a sentence', async ({ page }, info) => {
  await openReady(page, '?user=0');
  await page.getByTestId('panel-coldstart').click();
  const input = page.getByTestId('profiles-import');
  const message = page.getByTestId('profile-message');
  const load = (name: string, text: string) => input.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });

  await load('bad.json', '{"profiles": [ {"name": ');
  await expect(message).toContainText('The file is not JSON');
  await load('null.json', '[null]');
  await expect(message).toHaveText('Profile 1 is not an object with name, pack and items.');
  await load('huge.json', JSON.stringify({ profiles: [{ name: 'x', pack: 'beauty', items: [1] }], pad: 'x'.repeat(3_000_000) }));
  await expect(message).toContainText('MB; a profile export is far smaller');
  await expect(page.getByTestId('profile')).toHaveCount(0);

  // Item ids the pack does not have: imported (they are well-formed) but running it says why not.
  await load('unknown.json', JSON.stringify([{ name: 'Ghost', pack: 'beauty', items: [99999999] }]));
  await expect(message).toHaveText('Imported 1 profile.');
  await page.getByTestId('profile-run').click();
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'BadRequest', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('error-banner')).toContainText('has no items of this pack');
  await shot(page, info, 'profile-unknown-items');
});
