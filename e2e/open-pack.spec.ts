// Open a pack from disk: a pack folder chosen with the folder picker is listed beside the shipped
// packs and loads; a corrupted copy fails with the loader's typed error (and what to do); a folder
// without manifest.json is refused before anything loads. The files are never sent to the server.
import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { READY_TIMEOUT, shot } from './helpers.ts';

const PACK = path.resolve('public/models/musical-instruments');

test('open a pack folder from disk, a corrupted copy, and a folder without a pack', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'UI flow; the model path is covered by the served packs');
  const root = fs.mkdtempSync(path.join(tmpdir(), 'peapod-open-'));
  try {
    // Requests for pack files must all go to the served packs: a local pack is read from disk only.
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto('/?pack=musical-instruments');
    await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });

    // 1. A copy of the Musical Instruments pack under another folder name.
    const good = path.join(root, 'my-pack');
    fs.cpSync(PACK, good, { recursive: true });
    const before = requested.length;
    await page.getByTestId('open-pack-input').setInputFiles(good);
    await expect(page.getByTestId('pack-picker')).toHaveValue('local:my-pack');
    await expect(page.getByTestId('pack-picker').locator('option')).toHaveText(['Beauty', 'Musical Instruments', 'my-pack (from disk)']);
    await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
    await expect(page.getByTestId('heatmap').or(page.getByTestId('no-attention'))).toBeVisible({ timeout: READY_TIMEOUT });
    await expect(page.getByTestId('sequential-results').locator('li').first()).toBeVisible({ timeout: READY_TIMEOUT });
    expect(requested.slice(before).filter((u) => /manifest\.json|\.bin$|items\.json/.test(u))).toEqual([]);
    await shot(page, info, 'open-pack-ready');

    // 2. The same pack with one shard altered: the loader's SHA-256 check names the file.
    const bad = path.join(root, 'broken-pack');
    fs.cpSync(PACK, bad, { recursive: true });
    const shard = path.join(bad, fs.readdirSync(bad).filter((f) => f.startsWith('weights') && f.endsWith('.bin')).sort()[0]!);
    const bytes = fs.readFileSync(shard);
    bytes[100] = bytes[100]! ^ 0xff;
    fs.writeFileSync(shard, bytes);
    await page.getByTestId('open-pack-input').setInputFiles(bad);
    await expect(page.getByTestId('pack-picker')).toHaveValue('local:broken-pack');
    await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'PackCorrupt', { timeout: READY_TIMEOUT });
    await expect(page.getByTestId('error-banner')).toContainText('SHA-256');
    await expect(page.getByTestId('error-banner')).toContainText('Open the whole pack folder again');
    await shot(page, info, 'open-pack-corrupt');

    // 3. A folder with no manifest.json: refused at once, with what to choose instead.
    const empty = path.join(root, 'not-a-pack');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'hello');
    await page.getByTestId('open-pack-input').setInputFiles(empty);
    await expect(page.getByTestId('open-pack-error')).toContainText('no manifest.json');
    await expect(page.getByTestId('pack-picker')).toHaveValue('local:broken-pack');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
