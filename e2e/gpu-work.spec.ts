// The GPU work line: with ?backend=webgpu (SwiftShader here: the counts do not depend on the GPU)
// each result shows the dispatches, uploads, uniform writes and readbacks its request took; on the
// other backends there is no such line.
import { expect, test, type Locator } from '@playwright/test';
import { openReady } from './helpers.ts';

async function counts(line: Locator): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const k of ['dispatches', 'uploads', 'uniform-writes', 'readbacks', 'steps']) {
    const v = Number(await line.getAttribute(`data-${k}`));
    expect(Number.isInteger(v), `${k} = ${v}`).toBe(true);
    out[k] = v;
  }
  return out;
}

test('on WebGPU each result says how much GPU work its request took', async ({ page }, info) => {
  test.skip(info.project.name !== 'webgpu', 'needs a WebGPU adapter');
  test.setTimeout(300_000);
  await openReady(page, '?backend=webgpu');
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu');
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10);
  const seq = page.getByTestId('gpu-work');
  await expect(seq).toBeVisible();
  await expect(seq).toContainText(/WebGPU, [\d,]+ ms: [\d,]+ dispatches · [\d,]+ uploads? · [\d,]+ uniform writes · [\d,]+ readbacks?\. Next item: .*decoder steps?/);
  const c = await counts(seq);
  expect(c.dispatches).toBeGreaterThan(0);
  expect(c['uniform-writes']).toBeGreaterThan(0);
  expect(c.uploads).toBeGreaterThanOrEqual(0);
  expect(c.readbacks).toBeGreaterThanOrEqual(1);
  expect(c.steps).toBeGreaterThanOrEqual(1);

  await page.getByTestId('task-topn').click();
  const topn = page.getByTestId('gpu-work');
  await expect(topn).toContainText('Top-n:');
  expect((await counts(topn)).dispatches).toBe(c.dispatches); // the same request's total
});

test('no GPU work line off WebGPU', async ({ page }, info) => {
  test.skip(info.project.name !== 'no-webgpu', 'one project is enough');
  await openReady(page, '?backend=wasm');
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10);
  await expect(page.getByTestId('gpu-work')).toHaveCount(0);
});
