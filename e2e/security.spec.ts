// Security: the strict Content-Security-Policy is sent and kept (no violation on any backend), no
// request leaves the origin, and hostile strings from imported files render as text, never as HTML.
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { openReady, READY_TIMEOUT, shot } from './helpers.ts';

const HOSTILE = '<img src=x onerror=window.__pwned=1>';

/** Records CSP violations (page and worker console), off-origin requests and console errors. */
function watch(page: Page, origin: string) {
  const seen = { violations: [] as string[], offOrigin: [] as string[], errors: [] as string[] };
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/i.test(t)) seen.violations.push(t);
    // Failed loads are reported with their URL by the response listener below.
    else if (m.type() === 'error' && !/^Failed to load resource/.test(t)) seen.errors.push(t);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) seen.errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) seen.offOrigin.push(u);
  });
  return seen;
}

async function installViolationListener(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

async function expectClean(page: Page, seen: ReturnType<typeof watch>): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(seen.violations).toEqual([]);
  expect(seen.offOrigin).toEqual([]);
  expect(seen.errors).toEqual([]);
}

test('the preview server sends the CSP header and the page carries it as a meta tag; it is enforced', async ({ page, baseURL }) => {
  await installViolationListener(page);
  const res = await page.goto('/');
  const csp = res!.headers()['content-security-policy']!;
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval'(?<!wasm-unsafe-eval')|\*/);
  expect(res!.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(meta).not.toContain('frame-ancestors');
  // No inline script in the shipped HTML.
  expect(await page.locator('script:not([src])').count()).toBe(0);
  // Enforced, and the listener the other tests rely on sees it: an injected inline script and an
  // off-origin fetch are both refused.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
  });
  const fetched = await page.evaluate(() => fetch('https://example.com/x').then(() => 'fetched', () => 'refused'));
  expect(fetched).toBe('refused');
  expect(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
  // Header and meta both enforce, so each refusal may be reported twice.
  await expect.poll(() => page.evaluate(() => [...new Set((window as unknown as { __csp: string[] }).__csp.map((v) => v.split(' ')[0]))])).toEqual(['script-src-elem', 'connect-src']);
  void baseURL;
});

for (const backend of ['wasm', 'webgl', 'cpu', 'webgpu'] as const) {
  test(`?backend=${backend} runs under the CSP with no violation and no off-origin request`, async ({ page, baseURL }, info: TestInfo) => {
    // webgpu needs the adapter (webgpu project); the others are backend-independent of it: run once.
    test.skip(backend === 'webgpu' ? info.project.name !== 'webgpu' : info.project.name === 'webgpu', 'each backend runs in one project');
    test.setTimeout(240_000);
    await installViolationListener(page);
    const seen = watch(page, new URL(baseURL!).origin);
    await page.goto(`/?backend=${backend}&user=1`);
    await expect(page.getByTestId('backend-name')).toHaveText(backend, { timeout: READY_TIMEOUT });
    await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: 200_000 });
    await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: 200_000 });
    await expectClean(page, seen);
  });
}

test('a hostile profile name is shown as text: no element is created and no script runs', async ({ page, baseURL }, info) => {
  test.skip(info.project.name === 'webgpu', 'rendering is backend-independent; run once');
  await installViolationListener(page);
  const seen = watch(page, new URL(baseURL!).origin);
  await openReady(page, '?user=0');
  await page.getByTestId('panel-coldstart').click();
  const file = JSON.stringify({ format: 'peapod-profiles/1', profiles: [{ name: HOSTILE, pack: 'beauty', items: [1, 2, 3] }] });
  await page.getByTestId('profiles-import').setInputFiles({ name: 'hostile.json', mimeType: 'application/json', buffer: Buffer.from(file) });
  await expect(page.getByTestId('profile-message')).toHaveText('Imported 1 profile.');
  await expect(page.getByTestId('profile')).toContainText(HOSTILE);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  await page.getByTestId('profile-run').click();
  await expect(page.getByTestId('user-label')).toHaveText(HOSTILE, { timeout: READY_TIMEOUT });
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await shot(page, info, 'hostile-profile');
  await expectClean(page, seen);
});

test('hostile URL parameters are dropped, not rendered or executed', async ({ page, baseURL }, info) => {
  test.skip(info.project.name === 'webgpu', 'URL parsing is backend-independent; run once');
  await installViolationListener(page);
  const seen = watch(page, new URL(baseURL!).origin);
  await page.goto(`/?pack=${encodeURIComponent('<script>')}&user=${encodeURIComponent(HOSTILE)}&task=javascript:alert(1)&mask=x,-1,1e9&n=-5&backend=${encodeURIComponent('"><img src=x onerror=window.__pwned=1>')}`);
  await expect(page.getByTestId('load-status')).toHaveAttribute('data-phase', 'ready', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('backend-name')).toHaveText('wasm');
  await expect(page.getByTestId('sequential-results').locator('li')).toHaveCount(10, { timeout: READY_TIMEOUT });
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  // The rewritten URL keeps nothing of the hostile values.
  expect(page.url()).not.toMatch(/script|onerror|javascript/i);
  await expectClean(page, seen);
});
