// The page loads with no failed request and no console error (a favicon is inlined, so none is
// fetched), and the backend's start-up timing sits behind a toggle in the header.
import { expect, test } from '@playwright/test';
import { openReady } from './helpers.ts';

test('no 404 (favicon) or console error on load; the probe timings open from a toggle', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'page chrome; run once');
  const failed: string[] = [];
  const errors: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await openReady(page);
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', /^data:image\/svg\+xml,/);
  const probe = page.getByTestId('backend-probe');
  await expect(probe).toBeVisible();
  await expect(page.getByTestId('backend-timing')).toBeHidden();
  await expect(page.getByTestId('backend-reason')).toBeVisible();
  await probe.locator('summary').click();
  await expect(page.getByTestId('backend-timing')).toBeVisible();
  await expect(page.getByTestId('backend-timing')).toHaveText(/^probe \d+ ms \(adapter \d+, memory \d+, failed \d+, smoke \d+\) \+ \w+ start \d+ ms( \(.+\))?$/);
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
