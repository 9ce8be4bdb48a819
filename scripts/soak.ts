// Soak: 1,000 recommendation cycles of the built app's engine on wasm (bench.html drives the same
// Engine.infer the worker runs: prompt, beam 20, top-n over 100), sampling the JS heap every few
// seconds while it can. Prints tf.memory() tensors/bytes before and after and the heap curve; a number, not a
// timed test. (The bench page runs on the main thread, so the driver's heap polls mostly wait for
// it; the before/after numbers are taken by the page itself.) Usage: npx vite build && npx tsx scripts/soak.ts [cycles]   (env PEAPOD_CHROMIUM)
import { chromium } from '@playwright/test';
import { startPreview } from './preview.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.SOAK_PORT ?? 4181);
const BASE = `http://127.0.0.1:${PORT}/`;
const cycles = Number(process.argv[2] ?? 1000);

const server = await startPreview(root, PORT);
try {
  const browser = await chromium.launch({
    executablePath: process.env.PEAPOD_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  });
  const page = await browser.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  const t0 = Date.now();
  await page.goto(`${BASE}bench.html?backend=wasm&pack=models/beauty/&cycles=${cycles}&reps=1`);
  const heap: { s: number; mb: number; status: string }[] = [];
  let lastPrint = 0;
  for (;;) {
    const s = await page.evaluate(() => {
      const w = window as unknown as { __bench?: unknown; __benchError?: string };
      const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return { done: w.__bench ?? null, error: w.__benchError ?? null, heap: mem?.usedJSHeapSize ?? 0, status: document.getElementById('status')?.textContent?.slice(0, 40) ?? '' };
    });
    if (s.error) throw new Error(s.error);
    if (s.done) {
      const r = s.done as Record<string, number>;
      // usedJSHeapSize counts garbage too: collect it, so the number says what is still held.
      const afterGc = await page.evaluate(() => {
        (globalThis as unknown as { gc(): void }).gc();
        return (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
      });
      const out = {
        date: new Date().toISOString(),
        cycles: r.cycles,
        msPerCycle: r.cycleMedianApproxMs,
        tensors: [r.tensorsBefore, r.tensorsAfter],
        bytes: [r.bytesBefore, r.bytesAfter],
        jsHeapMB: [r.jsHeapBefore! / 2 ** 20, r.jsHeapAfter! / 2 ** 20],
        jsHeapAfterGcMB: afterGc / 2 ** 20,
        cspViolations: violations.length,
        wallS: (Date.now() - t0) / 1000,
      };
      console.log(JSON.stringify(out, null, 1));
      mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
      writeFileSync(path.join(root, 'bench', 'results', `soak-${out.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(out, null, 1));
      break;
    }
    const sec = (Date.now() - t0) / 1000;
    heap.push({ s: sec, mb: s.heap / 2 ** 20, status: s.status });
    if (Date.now() - lastPrint > 10_000) {
      lastPrint = Date.now();
      const line = `[soak] ${sec.toFixed(0)} s  ${s.status}  heap ${(s.heap / 2 ** 20).toFixed(1)} MB`;
      process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await browser.close();
} finally {
  server.kill();
}
