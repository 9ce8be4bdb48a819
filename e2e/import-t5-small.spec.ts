// Issue 14, "Import checkpoints": a T5-small-sized checkpoint (62M parameters, random weights, the
// authors' layout) written by tools/export_authors_checkpoint.py --random-t5-small, imported with
// `peapod import`, opens in the app through "Open from disk…" and recommends for a user. Needs
// Debian's python3-torch (PEAPOD_PYTHON names another interpreter); skipped without it. About a
// minute here (a 250 MB checkpoint and a 127 MB pack in a temporary folder, T5-small on WASM), so it
// runs in the no-webgpu project only.
import { expect, test } from '@playwright/test';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const python = process.env['PEAPOD_PYTHON'] ?? '/usr/bin/python3';
const hasTorch = fs.existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const USERS = 300;
const ITEMS = 1500;
/** Each step on 2 shared cores: the export and import take ~10-30 s each, the load and first recommendation ~10-60 s. */
const STEP_TIMEOUT = 300_000;

test('a T5-small-sized imported checkpoint opens from disk and recommends', async ({ page }, info) => {
  test.skip(!hasTorch, `${python} has no torch`);
  test.skip(info.project.name !== 'no-webgpu', 'one project is enough: the model runs on WASM either way');
  test.setTimeout(15 * 60_000);
  const root = fs.mkdtempSync(path.join(tmpdir(), 'peapod-t5-small-'));
  try {
    const ckpt = path.join(root, 'checkpoint');
    const data = path.join(ckpt, 'data', 'random-t5-small');
    const pack = path.join(root, 't5-small-import');
    await run(python, ['tools/export_authors_checkpoint.py', '--random-t5-small', '--users', String(USERS), '--items', String(ITEMS), '--out', ckpt], { timeout: STEP_TIMEOUT });
    expect(fs.statSync(path.join(ckpt, 'model.safetensors')).size).toBeGreaterThan(240e6); // 62M float32 parameters
    await run(process.execPath, ['bin/peapod.mjs', 'import', '--from', ckpt, '--dataset', data, '--out', pack, '--quiet'], { timeout: STEP_TIMEOUT });

    // What the app should show, from the pack on disk: every weight's parameters and the shards' MiB.
    const manifest = JSON.parse(fs.readFileSync(path.join(pack, 'manifest.json'), 'utf8')) as {
      name: string;
      weightDtype: string;
      weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[];
      files: Record<string, { bytes: number }>;
    };
    const params = manifest.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    const weightMiB = manifest.weightsManifest.flatMap((g) => g.paths).reduce((n, p) => n + manifest.files[p]!.bytes, 0) / 1024 / 1024;
    expect(params).toBeGreaterThan(60e6);
    expect(manifest.weightDtype).toBe('float16');

    const failures: string[] = [];
    page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') failures.push(`console: ${m.text()}`);
    });
    await page.goto('/?pack=musical-instruments');
    await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: STEP_TIMEOUT });

    await page.getByTestId('open-pack-input').setInputFiles(pack);
    await expect(page.getByTestId('pack-picker')).toHaveValue('local:t5-small-import');
    await expect(page.getByTestId('pack-picker').locator('option:checked')).toHaveText('t5-small-import (from disk)');
    await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: STEP_TIMEOUT });
    await expect(page.getByTestId('error-banner')).toHaveCount(0);

    // Recommendations for the first user: the top 10 of a constrained beam, every one an item of the catalogue.
    const ranked = page.getByTestId('sequential-results').locator('li');
    await expect(ranked).toHaveCount(10, { timeout: STEP_TIMEOUT });
    const items = await ranked.evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.item)));
    expect(items.every((i) => Number.isInteger(i) && i >= 1 && i <= ITEMS), `items ${items.join(', ')}`).toBe(true);
    await expect(ranked.first()).toContainText(/item \d+/);
    await page.screenshot({ path: info.outputPath('t5-small-import-outputs.png'), fullPage: true });

    // The pack card: its name, catalogue and size beside T5-small's.
    await page.getByTestId('panel-pack').click();
    const card = page.getByTestId('pack-card');
    await expect(card.getByRole('heading', { level: 2 })).toHaveText(`Pack: ${manifest.name}`);
    await expect(card).toContainText(`${USERS} users, ${ITEMS.toLocaleString('en')} items`);
    const sizeRow = page.getByTestId('pack-model').locator('tr', { hasText: 'parameters' });
    await expect(sizeRow).toContainText(`${(params / 1e6).toFixed(2)} M (${weightMiB.toFixed(1)} MiB of float16)`);
    await expect(page.getByTestId('pack-model').locator('tr', { hasText: 'vocabulary' })).toContainText('32,100');
    await expect(page.getByTestId('pack-model').locator('tr', { hasText: 'layers' })).toContainText('6 + 6');
    await page.screenshot({ path: info.outputPath('t5-small-import-pack-card.png'), fullPage: true });
    expect(failures).toEqual([]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
