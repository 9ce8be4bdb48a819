// `npm run bench`: drives the built app's benchmark page (bench.html) in headless Debian Chromium,
// once per backend and pack, plus the app's own cold start, plus Node training/eval throughput;
// writes bench/results/<timestamp>.json and regenerates BENCHMARKS.md. Numbers, not timed tests.
//
// Options (env): BENCH_BACKENDS=wasm,webgpu,webgl,cpu  BENCH_PACKS=beauty,t5-small
//                BENCH_CYCLES=1000 (wasm, Beauty; others use fewer, recorded)  BENCH_SKIP_NODE=1
//                BENCH_MARKDOWN_ONLY=1 (rewrite BENCHMARKS.md from bench/results/*.json, measure nothing)
//                BENCH_ONLY=app (only the app's cold start; BENCH_BACKENDS= empty: the automatic choice only)
//                BENCH_APP_LOADS=5 (cold loads per app row; the row keeps the median and every sample)
//                BENCH_APP_URLS=http://a/,http://b/ (measure already-served builds instead of building
//                  this tree; loads alternate between them so that both see the same machine load)
//                BENCH_PACKS=/path/to/pack (any pack folder, e.g. one `peapod import` wrote: copied into
//                  dist/bench-packs/<folder name>/ and measured under that name; over 50 MB of weights it
//                  gets the T5-small-sized pack's cycles, reps and timeouts)
//                BENCH_SKIP_APP=1 (no app cold-start rows)  BENCH_PAGE_TIMEOUT_S=N (per bench page)
//                BENCH_REPS=N (timed repetitions per measurement; default 5, T5-small-sized 2 on wasm, 1 elsewhere)
//                BENCH_VARIANTS=fused=0,fused=1 (each pack and backend once per entry: the entry's query
//                  parameters are added to bench.html's URL, e.g. `fused=0&x=1`, and its rows are
//                  labelled with it; empty entries are the plain page)
import { chromium, type Browser } from '@playwright/test';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readdirSync, readFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = 4179;
const BASE = `http://127.0.0.1:${PORT}/`;
const chromiumPath = process.env.PEAPOD_CHROMIUM ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu', '--enable-precise-memory-info'];

const backends = (process.env.BENCH_BACKENDS ?? 'wasm,webgpu,webgl,cpu').split(',').filter(Boolean);
const appOnly = process.env.BENCH_ONLY === 'app';
const appLoads = Math.max(1, Number(process.env.BENCH_APP_LOADS ?? 5));
const appUrls = (process.env.BENCH_APP_URLS ?? '').split(',').filter(Boolean);
const packArgs = (process.env.BENCH_PACKS ?? 'beauty,t5-small').split(',').filter(Boolean);
/** A BENCH_PACKS entry with a slash is a pack folder, benchmarked under its folder name. */
const packDirs = new Map(packArgs.filter((p) => p.includes('/')).map((p) => [path.basename(path.resolve(p)), path.resolve(p)]));
const packs = packArgs.map((p) => (p.includes('/') ? path.basename(path.resolve(p)) : p));
const pageTimeoutS = Number(process.env.BENCH_PAGE_TIMEOUT_S ?? 0);
const baseCycles = Number(process.env.BENCH_CYCLES ?? 1000);
const repsOverride = Number(process.env.BENCH_REPS ?? 0);
/** Query-string variants of every page ('' = the plain page); see BENCH_VARIANTS above. */
const variants = process.env.BENCH_VARIANTS ? process.env.BENCH_VARIANTS.split(',').map((v) => v.trim()) : [''];

function say(s: string): void {
  process.stderr.write(`[bench] ${s}\n`);
}

function sh(cmd: string, argv: string[]): string {
  return execFileSync(cmd, argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
}

async function startPreview(): Promise<ChildProcess> {
  // Its own process group: npx starts vite as a child, which p.kill() alone would leave running.
  const p = spawn('npx', ['vite', 'preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore', detached: true });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(BASE);
      if (r.ok) return p;
    } catch {
      // not up yet
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  stopPreview(p);
  throw new Error(`vite preview did not answer on ${BASE}`);
}

/** Stops `vite preview` and the processes npx started for it (the whole process group). */
function stopPreview(p: ChildProcess): void {
  try {
    if (p.pid) process.kill(-p.pid, 'SIGTERM');
  } catch {
    p.kill(); // the group is gone already, or this platform has none
  }
}

function packPath(name: string): string {
  return name === 't5-small' || packDirs.has(name) ? `bench-packs/${name}/` : `models/${name}/`;
}

/** Packs given as folders are copied into dist; those over 50 MB of weights count as T5-small-sized. */
const largeDirs = new Set<string>();
function copyPackDirs(): void {
  for (const [name, dir] of packDirs) {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { weightsManifest: { paths: string[] }[]; files: Record<string, { bytes: number }> };
    const weightBytes = manifest.weightsManifest.flatMap((g) => g.paths).reduce((n, p) => n + (manifest.files[p]?.bytes ?? 0), 0);
    if (weightBytes > 50e6) largeDirs.add(name);
    say(`copying pack ${dir} (${(weightBytes / 1e6).toFixed(1)} MB of weights) to dist/bench-packs/${name}/…`);
    cpSync(dir, path.join(root, 'dist', 'bench-packs', name), { recursive: true });
  }
}

/** T5-small-sized: the random t5-small pack or a large pack folder (fewer cycles, longer timeouts). */
const isLarge = (pack: string): boolean => pack === 't5-small' || largeDirs.has(pack);

/** The T5-small-sized random pack is generated once (not committed: ~100 MB) and copied into dist. */
function ensureT5SmallPack(): void {
  const cache = path.join(root, 'bench', 'packs', 't5-small');
  if (!existsSync(path.join(cache, 'manifest.json'))) {
    say('exporting the T5-small-sized random pack (npx peapod export --random --config t5-small)…');
    sh('node', ['bin/peapod.mjs', 'export', '--random', '--config', 't5-small', '--out', cache, '--dtype', 'float16']);
  }
  cpSync(cache, path.join(root, 'dist', 'bench-packs', 't5-small'), { recursive: true });
}

function cyclesFor(backend: string, pack: string): number {
  if (isLarge(pack)) return backend === 'wasm' ? 3 : 1; // ~10 s per cycle on wasm here
  // Software WebGPU (SwiftShader) takes seconds per cycle here; CPU and WebGL hundreds of ms.
  const cap: Record<string, number> = { webgpu: 10, webgl: 30, cpu: 20 };
  return backend === 'wasm' ? baseCycles : Math.min(baseCycles, cap[backend] ?? 20);
}

async function benchPage(browser: Browser, backend: string, pack: string, variant = ''): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  let bytes = 0;
  page.on('response', async (r) => {
    const len = Number(r.headers()['content-length'] ?? 0);
    if (len) bytes += len;
  });
  const cycles = cyclesFor(backend, pack);
  const variantQuery = variant ? `&variant=${encodeURIComponent(variant)}&${variant}` : '';
  const url = `${BASE}bench.html?backend=${backend}&pack=${encodeURIComponent(packPath(pack))}&cycles=${cycles}&reps=${repsOverride > 0 ? repsOverride : isLarge(pack) ? (backend === 'wasm' ? 2 : 1) : 5}${variantQuery}`;
  // The T5-small pack on software WebGPU/WebGL/CPU needs far longer than a benchmark should wait.
  const timeout = pageTimeoutS > 0 ? pageTimeoutS * 1000 : isLarge(pack) && backend !== 'wasm' ? 150_000 : 570_000;
  await page.goto(url);
  const handle = await page.waitForFunction(() => (window as unknown as { __bench?: unknown; __benchError?: string }).__bench ?? (window as unknown as { __benchError?: string }).__benchError, null, { timeout, polling: 500 });
  const value = (await handle.jsonValue()) as Record<string, unknown> | string;
  await page.close();
  if (typeof value === 'string') return { backend, pack, error: value, ...(variant ? { variant } : {}) };
  if (value.efficiencyOver100) say(`  WARNING: ${pack} on ${backend}${variant ? ` [${variant}]` : ''}: encoder efficiency ${(100 * Number(value.encoderEfficiency)).toFixed(0)}% > 100%: a timing does not cover its work`);
  return { ...value, packName: pack, bytesOnTheWire: bytes };
}

/** Start-up stages in the order they normally end (src/runtime/protocol.ts StartupStage + the page's). */
const STAGES = ['js', 'worker', 'example', 'engine', 'backend', 'manifest', 'fetched', 'verified', 'decoded', 'model', 'tables', 'warmup', 'result'] as const;

/**
 * One cold load of the app (fresh context: no HTTP cache, Cache API, IndexedDB or service worker):
 * navigation -> first real (non-example) recommendation on screen, plus when each start-up stage
 * ended (the `peapod:*` performance marks, ms after navigation; `shown` is when the DOM showed it).
 */
async function appColdLoad(browser: Browser, base: string, backend: string | null): Promise<Record<string, unknown>> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  let bytes = 0;
  page.on('response', (r) => {
    bytes += Number(r.headers()['content-length'] ?? 0);
  });
  try {
    const t0 = Date.now();
    await page.goto(`${base}${backend ? `?backend=${backend}` : ''}`);
    const shown = await page.waitForFunction(
      () => !!document.querySelector('[data-testid="sequential-results"] li') && !document.querySelector('[data-testid="example-badge"]') && performance.now(),
      null,
      { timeout: 300_000, polling: 'raf' },
    );
    const ms = Date.now() - t0;
    const shownMs = (await shown.jsonValue()) as number;
    const phases = await page.evaluate(() => {
      const out: Record<string, number> = {};
      for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('peapod:')) out[e.name.slice(7)] ??= Math.round(e.startTime);
      return out;
    });
    phases.shown = Math.round(shownMs);
    const chosen = await page.getByTestId('backend-name').textContent();
    const reason = await page.getByTestId('backend-reason').textContent();
    return { backend: chosen, reason, ms, phases, bytes };
  } finally {
    await ctx.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * `appLoads` cold loads per (build, requested backend), alternating between the builds so that each
 * sees the same machine load. A row keeps the median time, the median of each stage, and every sample.
 */
async function appColdStart(browser: Browser, bases: string[], backend: string | null): Promise<Record<string, unknown>[]> {
  const samples = bases.map(() => [] as Record<string, unknown>[]);
  const errors = bases.map(() => null as string | null);
  for (let i = 0; i < appLoads; i++) {
    for (const [k, base] of bases.entries()) {
      if (errors[k]) continue;
      try {
        samples[k]!.push(await appColdLoad(browser, base, backend));
        say(`  app ${backend ?? 'auto'} ${bases.length > 1 ? `${base} ` : ''}load ${i + 1}/${appLoads}: ${samples[k]!.at(-1)!.ms} ms`);
      } catch (e) {
        errors[k] = (e as Error).message.split('\n')[0]!;
      }
    }
  }
  return bases.map((base, k) => {
    const s = samples[k]!;
    const where = bases.length > 1 || appUrls.length ? { url: base } : {};
    if (!s.length) return { requested: backend ?? 'auto', ...where, error: errors[k] };
    const phases: Record<string, number> = {};
    for (const st of [...STAGES, 'shown']) {
      const xs = s.map((x) => (x.phases as Record<string, number>)[st]).filter((x): x is number => typeof x === 'number');
      if (xs.length) phases[st] = median(xs);
    }
    return {
      requested: backend ?? 'auto',
      ...where,
      backend: s[0]!.backend,
      reason: s[0]!.reason,
      pageLoadToFirstRecommendationMs: median(s.map((x) => x.ms as number)),
      loads: s.length,
      samplesMs: s.map((x) => x.ms),
      phases,
      samplePhases: s.map((x) => x.phases),
      bytes: s[0]!.bytes,
      ...(errors[k] ? { error: errors[k] } : {}),
    };
  });
}

function nodeThroughput(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tmp = path.join(os.tmpdir(), `peapod-bench-${process.pid}`);
  const t0 = Date.now();
  say('node: 40 training steps on Beauty (wasm)…');
  // The CLI prints its progress on stderr: keep both streams.
  const run = spawnSync('node', ['bin/peapod.mjs', 'train', '--dataset', 'amazon-beauty-p5', '--out', path.join(tmp, 'pack'), '--run-dir', path.join(tmp, 'run'), '--max-steps', '40', '--eval-users', '200', '--validate-every', '1000'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const log = `${run.stdout}\n${run.stderr}`;
  out.trainWallS = (Date.now() - t0) / 1000;
  const done = log.split(/[\r\n]+/).filter((l) => /^train done/.test(l)).pop();
  out.trainSummary = done ?? `exit ${run.status}`;
  const sps = done ? /([\d.]+) samples\/s/.exec(done) : null;
  if (sps) out.trainSamplesPerS = Number(sps[1]);
  // One Beauty epoch = one sequential + one top-n sample per user (22,363 users x 2 tasks).
  if (sps) out.trainMinutesPerEpoch = (2 * 22363) / Number(sps[1]) / 60;

  const t1 = Date.now();
  say('node: evaluating 200 test users…');
  sh('node', ['bin/peapod.mjs', 'eval', '--pack', path.join(tmp, 'pack'), '--split', 'test', '--users', '200', '--out', path.join(tmp, 'eval')]);
  out.evalUsersPerS = 200 / ((Date.now() - t1) / 1000);
  return out;
}

function fmt(v: unknown, digits = 1): string {
  if (typeof v !== 'number') return v === undefined || v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

/**
 * The efficiency cell. Above 100% it is flagged: some timing did not cover its work (GPU rows timed
 * before the GPU finished did this until the timings waited for it) or the matmul was timed on its
 * latency rather than its throughput.
 */
function efficiency(r: Record<string, unknown>): string {
  const e = r.encoderEfficiency;
  if (typeof e !== 'number') return '—';
  const pct = `${fmt(100 * e, 0)}%`;
  if (e <= 1) return pct;
  return r.gpuTimingWaitsForGpu ? `${pct} ⚠ over 100%: check the timings` : `${pct} ⚠ (timed without waiting for the GPU)`;
}

/** The BENCH_VARIANTS entry a row was measured under ('' for the plain page). */
const variantOf = (r: Record<string, unknown>): string => (typeof r.variant === 'string' ? r.variant : '');

/** "dispatches / uploads / readbacks" of one request kind on WebGPU (bench.html's gpuWork), or —. */
function work(r: Record<string, unknown>, key: string): string {
  const c = (r.gpuWork as Record<string, { dispatches: number; uploads: number; readbacks: number } | undefined> | undefined)?.[key];
  return c ? `${fmt(c.dispatches, 0)} / ${fmt(c.uploads, 0)} / ${fmt(c.readbacks, 0)}` : '—';
}

function writeMarkdown(): void {
  // Every run is kept in bench/results; the tables show, per pack and backend, the newest successful
  // measurement (or the newest error when none succeeded), each with the run it came from.
  const dir = path.join(root, 'bench', 'results');
  // soak-*.json are scripts/soak.ts runs (reported in RELIABILITY.md), not benchmark runs.
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('soak-')).sort();
  type Run = { date: string; machine: string; pages: Record<string, unknown>[]; app: Record<string, unknown>[]; node: Record<string, unknown>; device?: Record<string, string>; probe?: Record<string, string | number | boolean>; command?: string; wallS?: number };
  const all = files.map((f) => ({ file: f, run: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Run }));
  // Runs made on a lent GPU machine (bench/device) carry a `device` block; they get their own section
  // so that their rows never replace this machine's.
  const runs = all.filter(({ run }) => !run.device);
  const deviceRuns = all.filter(({ run }) => run.device);
  const newest = runs[runs.length - 1]!;
  const newestRows = (rs: typeof runs) => {
    const byKey = new Map<string, Record<string, unknown>>();
    for (const { file, run } of rs) {
      for (const r of run.pages) {
        const key = `${r.packName ?? r.pack}|${r.backend}|${variantOf(r)}`;
        const prev = byKey.get(key);
        if (!prev || !r.error || prev.error) byKey.set(key, { ...r, run: file });
      }
    }
    return [...byKey.values()];
  };
  const pickLatest = (f: (r: Run) => boolean) => [...runs].reverse().find(({ run }) => f(run));
  const appRun = pickLatest((r) => r.app.some((a) => !a.error)) ?? newest;
  const nodeRun = pickLatest((r) => Object.keys(r.node ?? {}).length > 0) ?? newest;
  const latest = { date: newest.run.date, machine: newest.run.machine, pages: newestRows(runs), app: appRun.run.app, node: nodeRun.run.node };
  const L: string[] = [];
  const header = () => {
    L.push('| pack | backend | adapter | load ms | warm-up ms | prompt ms | next-item beam 20 ms | constrained +% | top-n 100 ms | expl. greedy tok/s | expl. beam-4 tok/s | best matmul GFLOP/s | encoder GFLOP/s | efficiency | cached step / encoder token | step, allowed-token head / encoder token | full recompute ms vs step ms | app cycle ms | tensors before→after (cycles) | bytes | GPU work: cached step (20 rows) | GPU work: next-item beam 20 | GPU work: top-n 100 | run |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  };
  const row = (r: Record<string, unknown>) => {
    if (r.error) {
      L.push(`| ${r.pack ?? r.packName} | ${r.backend}${variantOf(r) ? ` [${variantOf(r)}]` : ''} | — | error: ${fmt(r.error).replace(/\|/g, '/')} |||||||||||||||||||| ${String(r.run).slice(0, 19)} |`);
      return;
    }
    const generated = r.generatedInPage ? `, generated in the page in ${fmt(r.generateMs, 0)} ms` : '';
    L.push(`| ${r.packName} (${r.config}${generated}) | ${r.backend}${r.wasmMatmulFix ? ' (+fix)' : ''}${variantOf(r) ? ` [${variantOf(r)}]` : ''} | ${r.adapter} | ${fmt(r.loadMs, 0)} | ${fmt(r.warmupMs, 0)} | ${fmt(r.composePromptMs, 2)} | ${fmt(r.nextItemBeam20Ms, 0)} | ${fmt(100 * (r.constrainedOverhead as number), 0)} | ${fmt(r.topn100Ms, 0)} | ${fmt(r.explanationGreedyTokPerS)} | ${fmt(r.explanationBeam4TokPerS)} | ${fmt(r.bestMatmulGflops)} | ${fmt(r.encoderGflops)} | ${efficiency(r)} | ${fmt(r.cachedStepVsEncoderToken, 2)} | ${fmt(r.cachedStepAllowedVsEncoderToken, 2)} | ${fmt(r.fullRecomputeMs, 1)} vs ${fmt(r.cachedStepMs, 1)} | ${fmt(r.cycleMedianApproxMs, 0)} | ${r.tensorsBefore}→${r.tensorsAfter} (${r.cycles}) | ${fmt(r.bytesDownloaded, 0)} | ${work(r, 'cachedStep20')} | ${work(r, 'nextItemBeam20')} | ${work(r, 'topn100')} | ${String(r.run).slice(0, 19)} |`);
  };
  L.push('# Benchmarks', '', `Regenerated by \`npm run bench\` (bench/run.ts) from the runs in \`bench/results/\` (newest: \`${newest.file}\`; app rows from \`${appRun.file}\`, Node rows from \`${nodeRun.file}\`).`);
  L.push(`Date: ${latest.date}. Machine: ${latest.machine}. Medians of several runs; these machines are shared and noisy, so compare ratios within one run.`, '');
  L.push('## Per backend and pack (bench.html, headless Chromium)', '');
  L.push('GPU work columns (WebGPU rows, runs from 2026-12-07 on): dispatches / uploads / readbacks of one cached decoder step of 20 rows (its logits read back), one next-item beam-20 request (encoder, beam search) and one top-n-100 request; uniform writes equal dispatches (one per dispatch). Counted by `src/runtime/gpu-counters.ts`; they do not depend on the GPU, so SwiftShader gives the same counts as a real one. Rows with a `[…]` after the backend are a `BENCH_VARIANTS` run of that query string.', '');
  header();
  for (const r of latest.pages) row(r);
  // One section per GPU: the newest device run's rows (older runs of the same GPU fill gaps).
  const byGpu = new Map<string, typeof deviceRuns>();
  for (const d of deviceRuns) {
    const k = String(d.run.device?.gpu ?? d.run.machine);
    byGpu.set(k, [...(byGpu.get(k) ?? []), d]);
  }
  for (const [gpu, rs] of byGpu) {
    const last = rs[rs.length - 1]!;
    const dev = last.run.device ?? {};
    const p = last.run.probe ?? {};
    L.push('', `## On a lent GPU machine: ${gpu} (bench/device, real WebGPU adapter)`, '');
    L.push(`Newest run \`${last.file}\` (${rs.length} run(s) of this GPU; a row from an older one says so in its run column); ${last.run.machine.trim()}. Same page (bench.html) and code as above, driven by \`bench/device/drive.py\` in a relocated copy of this machine's Chromium (procedure and exact command: \`bench/device/README.md\`); the WASM rows are the same-machine CPU baseline.`);
    L.push(`WebGPU adapter as the page sees it: vendor \`${p.adapter_vendor ?? '—'}\`, architecture \`${p.adapter_architecture ?? '—'}\`, device \`${p.adapter_device ?? '—'}\`, description \`${p.adapter_description ?? '—'}\`, fallback ${String(p.adapter_isFallbackAdapter ?? '—')}; WebGL renderer \`${p.webglRenderer ?? '—'}\`. Kernel ${dev.kernel ?? '?'}; Chromium flags \`${dev.flags ?? '?'}\`.`);
    L.push(`The t5-small rows use \`random:t5-small\`: the same seeded random weights as bench/packs/t5-small, built in the page from the shipped Beauty pack's catalogue (so 0 weight bytes downloaded; the 127 MB pack cannot travel to that machine). Fewer cycles than above (column "cycles").`, '');
    header();
    for (const r of newestRows(rs)) row(r);
    const withApp = [...rs].reverse().find((d) => (d.run.app ?? []).length > 0);
    if (withApp) {
      L.push('', `App cold start on this machine (index.html, page load to first real recommendation; run \`${withApp.file}\`):`, '');
      L.push('| requested | chosen | why (as the header says) | ms |', '|---|---|---|---|');
      for (const a of withApp.run.app) L.push(`| ${a.requested} | ${a.backend} | ${a.reason} | ${fmt(a.pageLoadToFirstRecommendationMs, 0)} |`);
    }
  }
  L.push('', '## The app: page load to first real recommendation (index.html)', '');
  L.push('| requested | chosen | why (as the header says) | ms | bytes |', '|---|---|---|---|---|');
  for (const a of latest.app) L.push(`| ${a.requested} | ${a.backend} | ${a.reason} | ${fmt(a.pageLoadToFirstRecommendationMs, 0)}${a.loads ? ` (median of ${fmt(a.loads, 0)})` : ''} | ${fmt(a.bytes, 0)} |`);
  const phased = latest.app.filter((a) => a.phases);
  if (phased.length) {
    // Each stage's end, ms after navigation (medians over the loads); stages may overlap, so the
    // step from one column to the next is wall time on the critical path, not that stage's cost.
    L.push('', 'Start-up stages: when each ended, ms after navigation (median; `peapod:*` performance marks, src/runtime/protocol.ts StartupStage).', '');
    L.push(`| requested | ${[...STAGES, 'shown'].join(' | ')} |`, `|---|${[...STAGES, 'shown'].map(() => '---').join('|')}|`);
    for (const a of phased) {
      const p = a.phases as Record<string, number>;
      L.push(`| ${a.requested} | ${[...STAGES, 'shown'].map((st) => fmt(p[st], 0)).join(' | ')} |`);
    }
  }
  L.push('', '## Node', '');
  L.push('| what | value |', '|---|---|');
  for (const [k, v] of Object.entries(latest.node ?? {})) L.push(`| ${k} | ${Array.isArray(v) ? v.join('<br>') : fmt(v, 2)} |`);
  const extra = path.join(root, 'bench', 'NOTES.md');
  if (existsSync(extra)) L.push('', readFileSync(extra, 'utf8').trim());
  L.push('');
  writeFileSync(path.join(root, 'BENCHMARKS.md'), L.join('\n'));
}

async function main(): Promise<void> {
  if (process.env.BENCH_MARKDOWN_ONLY) {
    writeMarkdown();
    return;
  }
  if (!existsSync(chromiumPath)) sh('bash', ['scripts/ensure-chromium.sh']);
  if (!appUrls.length) {
    say('building…');
    sh('npx', ['vite', 'build', '--logLevel', 'warn']);
    if (packs.includes('t5-small') && !appOnly) ensureT5SmallPack();
    if (!appOnly) copyPackDirs();
  }
  const server = appUrls.length ? null : await startPreview();
  const browser = await chromium.launch({ executablePath: chromiumPath, args });
  const pages: Record<string, unknown>[] = [];
  const app: Record<string, unknown>[] = [];
  let node: Record<string, unknown> = {};
  try {
    for (const pack of appOnly ? [] : packs) {
      for (const backend of backends) {
        for (const variant of variants) {
          say(`${pack} on ${backend}${variant ? ` [${variant}]` : ''}…`);
          const t0 = Date.now();
          try {
            pages.push(await benchPage(browser, backend, pack, variant));
          } catch (e) {
            pages.push({ backend, pack, error: (e as Error).message.split('\n')[0], ...(variant ? { variant } : {}) });
          }
          say(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
      }
    }
    if (!process.env.BENCH_SKIP_APP) for (const b of [null, ...backends.filter((b) => b !== 'cpu')]) app.push(...(await appColdStart(browser, appUrls.length ? appUrls : [BASE], b)));
    if (!process.env.BENCH_SKIP_NODE && !appOnly) node = nodeThroughput();
  } finally {
    await browser.close();
    if (server) stopPreview(server);
  }
  if (appUrls.length) {
    // A comparison of builds served elsewhere is not a measurement of this tree: print, keep nothing.
    console.log(JSON.stringify({ date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}`, app }, null, 1));
    return;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  const browserVersion = sh(chromiumPath, ['--version']).trim();
  const command = [...Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v}`), 'npx tsx bench/run.ts'].join(' ');
  const record = { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, ${browserVersion}, node ${process.version}`, command, pages, app, node };
  writeFileSync(path.join(root, 'bench', 'results', `${stamp}.json`), JSON.stringify(record, null, 1));
  writeMarkdown();
  say(`wrote bench/results/${stamp}.json and BENCHMARKS.md`);
  console.log(JSON.stringify(record, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
