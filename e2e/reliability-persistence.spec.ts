// Persistence: cold-start profiles and the constrained-decoding setting survive a browser restart
// (same profile directory, fresh browser process); an old or damaged IndexedDB record is migrated
// and cleaned instead of breaking the start; export -> import round-trips.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type Page } from '@playwright/test';
import { openReady, READY_TIMEOUT } from './helpers.ts';

const BASE = 'http://127.0.0.1:4173/';
const PROFILE = { name: 'Persisted Pat', pack: 'beauty', items: [1, 2, 3], createdAt: '2026-01-01T00:00:00.000Z' };

test.beforeEach(({}, info) => test.skip(info.project.name === 'webgpu', 'storage is backend-independent; run once'));

async function importProfiles(page: Page, profiles: unknown[]): Promise<void> {
  await page.getByTestId('panel-coldstart').click();
  await page.getByTestId('profiles-import').setInputFiles({ name: 'p.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(profiles)) });
  await expect(page.getByTestId('profile-message')).toHaveText(/^Imported/);
}

test('profiles and settings survive a browser restart', async ({}, info) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'peapod-profile-'));
  const launch = () =>
    chromium.launchPersistentContext(dir, { executablePath: process.env.PEAPOD_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], baseURL: BASE });
  try {
    const first = await launch();
    const page = first.pages()[0] ?? (await first.newPage());
    await openReady(page, '?user=0');
    await page.getByTestId('constrained-toggle').uncheck();
    await importProfiles(page, [PROFILE]);
    // zustand writes IndexedDB asynchronously; wait until the record holds both changes.
    await expect
      .poll(() => page.evaluate(() => new Promise<string>((resolve) => {
        const open = indexedDB.open('keyval-store');
        open.onsuccess = () => {
          const get = open.result.transaction('keyval').objectStore('keyval').get('peapod-web');
          get.onsuccess = () => resolve(String(get.result));
        };
      })))
      .toMatch(/Persisted Pat.*"constrained":false/);
    await first.close();

    const second = await launch();
    const again = second.pages()[0] ?? (await second.newPage());
    await again.goto('/');
    await expect(again.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
    await expect(again.getByTestId('constrained-toggle')).not.toBeChecked();
    await again.getByTestId('panel-coldstart').click();
    await expect(again.getByTestId('profile')).toHaveCount(1);
    await expect(again.getByTestId('profile')).toContainText('Persisted Pat');
    await again.screenshot({ path: info.outputPath('after-restart.png') });
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a v1 record with a damaged profile is migrated: the good profile stays, the app starts', async ({ page }) => {
  await openReady(page, '?user=0');
  const v1 = JSON.stringify({ state: { profiles: [PROFILE, { name: '', pack: 'beauty', items: [1] }, null, { name: 'Toys', pack: 'toys', items: [1] }] }, version: 1 });
  await page.evaluate(
    (value) =>
      new Promise<void>((resolve) => {
        const open = indexedDB.open('keyval-store');
        open.onsuccess = () => {
          const tx = open.result.transaction('keyval', 'readwrite');
          tx.objectStore('keyval').put(value, 'peapod-web');
          tx.oncomplete = () => resolve();
        };
      }),
    v1,
  );
  await page.reload();
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await expect(page.getByTestId('constrained-toggle')).toBeChecked();
  await page.getByTestId('panel-coldstart').click();
  await expect(page.getByTestId('profile')).toHaveCount(1);
  await expect(page.getByTestId('profile')).toContainText('Persisted Pat');
});

test('export then import round-trips the profiles', async ({ page }) => {
  await openReady(page, '?user=0');
  const two = [PROFILE, { ...PROFILE, name: 'Second', items: [5, 8] }];
  await importProfiles(page, two);
  const download = page.waitForEvent('download');
  await page.getByTestId('profiles-export').click();
  const file = await (await download).path();
  const exported = JSON.parse(readFileSync(file, 'utf8'));
  expect(exported.format).toBe('peapod-profiles/1');
  expect(exported.profiles).toEqual(two);
  for (const name of ['Persisted Pat', 'Second']) await page.getByRole('button', { name: `Delete profile ${name}` }).click();
  await expect(page.getByTestId('profile')).toHaveCount(0);
  await page.getByTestId('profiles-import').setInputFiles(file);
  await expect(page.getByTestId('profile-message')).toHaveText('Imported 2 profiles.');
  await expect(page.getByTestId('profile')).toHaveCount(2);
});
