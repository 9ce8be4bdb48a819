// Backend-choice probe cost in the built app, first visit vs remembered visit: N page loads each in
// headless Chromium, with the SwiftShader WebGPU adapter (--enable-unsafe-webgpu) and without WebGPU.
// Reads the header's timing line (the worker's own measurements), prints medians and saves every
// sample to results/backend-probe/<timestamp>.json. A number, not a timed test.
// Usage: npm run build && npx tsx bench/probe.ts [loads=5]   (env PEAPOD_CHROMIUM, PROBE_PORT)
import { chromium, type Browser, type Page } from '@playwright/test';
import { startPreview } from '../scripts/preview.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.PROBE_PORT ?? 4183);
const BASE = `http://127.0.0.1:${PORT}/`;
const loads = Number(process.argv[2] ?? 5);
const baseArgs = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Sample {
  backend: string;
  remembered: boolean;
  reason: string;
  probingMs: number;
  startMs: number;
  adapterMs: number;
  memoryMs: number;
  failedMs: number;
  smokeMs: number;
  /** performance.now() in the page when the timing line was first seen (navigation -> decision shown). */
  navToDecisionMs: number;
}

async function read(page: Page, remembered: boolean): Promise<Sample> {
  const timing = page.getByTestId('backend-timing');
  await timing.and(page.locator(`[data-remembered="${remembered}"]`)).waitFor({ timeout: 120_000 });
  const navToDecisionMs = await page.evaluate(() => performance.now());
  const text = (await timing.textContent()) ?? '';
  const m = /^probe \d+ ms \(adapter (\d+), memory (\d+), failed (\d+), smoke (\d+)\) \+ (\w+) start \d+ ms$/.exec(text);
  if (!m) throw new Error(`unexpected timing line: ${text}`);
  return {
    backend: m[5]!,
    remembered,
    reason: (await page.getByTestId('backend-reason').textContent()) ?? '',
    probingMs: Number(await timing.getAttribute('data-probing-ms')),
    startMs: Number(await timing.getAttribute('data-start-ms')),
    adapterMs: Number(m[1]),
    memoryMs: Number(m[2]),
    failedMs: Number(m[3]),
    smokeMs: Number(m[4]),
    navToDecisionMs,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

async function measure(browser: Browser): Promise<{ first: Sample[]; remembered: Sample[] }> {
  const first: Sample[] = [];
  // A first visit needs an empty IndexedDB: a fresh context per load. Leaving right after the
  // decision stops the pack download, so the runs do not load the shared machine for nothing.
  for (let i = 0; i < loads; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(BASE);
    first.push(await read(page, false));
    await ctx.close();
  }
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(BASE);
  await read(page, false); // seeds the memory
  const remembered: Sample[] = [];
  for (let i = 0; i < loads; i++) {
    await page.reload();
    remembered.push(await read(page, true));
  }
  await ctx.close();
  return { first, remembered };
}

const server = await startPreview(root, PORT);
try {
  const executablePath = process.env.PEAPOD_CHROMIUM ?? '/usr/bin/chromium';
  const out: Record<string, unknown> = { date: new Date().toISOString(), loads };
  const keys = ['probingMs', 'adapterMs', 'memoryMs', 'failedMs', 'smokeMs', 'startMs', 'navToDecisionMs'] as const;
  for (const [label, args] of [
    ['webgpu (SwiftShader adapter)', [...baseArgs, '--enable-unsafe-webgpu']],
    ['no-webgpu', baseArgs],
  ] as const) {
    const browser = await chromium.launch({ executablePath, args: [...args] });
    out.browser = `Chromium ${browser.version()}`;
    const r = await measure(browser);
    await browser.close();
    out[label] = r;
    console.log(`\n${label}: chosen ${[...new Set([...r.first, ...r.remembered].map((s) => s.backend))].join('/')}`);
    console.log(`  first-visit reason: ${r.first[0]?.reason}`);
    console.log(`  remembered reason:  ${r.remembered[0]?.reason}`);
    console.log(`  median of ${loads} loads, ms   ${keys.join('  ')}`);
    for (const [kind, xs] of [['first', r.first], ['remembered', r.remembered]] as const)
      console.log(`  ${kind.padEnd(11)} ${keys.map((k) => median(xs.map((s) => s[k])).toFixed(1).padStart(k.length)).join('  ')}`);
    console.log(`  probing per load, first: ${r.first.map((s) => s.probingMs.toFixed(0)).join(', ')}; remembered: ${r.remembered.map((s) => s.probingMs.toFixed(0)).join(', ')}`);
  }
  const dir = path.join(root, 'results', 'backend-probe');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${(out.date as string).replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(root, file)}`);
} finally {
  server.kill();
}
