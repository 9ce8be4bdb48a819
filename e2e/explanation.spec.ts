// Explanations on the Musical Instruments pack: the text streams token by token and Stop ends it.
import { expect, test } from '@playwright/test';
import { openReady, READY_TIMEOUT, shot } from './helpers.ts';

test('an explanation streams and can be stopped; a full one shows the reference', async ({ page }, info) => {
  test.skip(info.project.name === 'webgpu', 'streaming is backend-independent; run once');
  const manifest = await page.request.get('/models/musical-instruments/manifest.json');
  const shipped = manifest.ok() && (manifest.headers()['content-type'] ?? '').includes('json');
  test.skip(!shipped, 'no Musical Instruments pack under public/models/musical-instruments (export it with peapod train --out public/models/musical-instruments)');
  // Packs with a sub-word vocabulary (peapod train --subwords N) can spell every word: no <unk>.
  const subwords = ((await manifest.json()) as { tokenizer?: { words?: string } }).tokenizer?.words === 'bpe';
  // The CPU backend is slow enough that Stop can land mid-stream (WASM finishes 21 tokens in ~0.2 s).
  await openReady(page, '?pack=musical-instruments&user=0&task=explanation&backend=cpu');
  await expect(page.getByTestId('explanation-panel')).toBeVisible();
  // The item picker (long names) stays inside its column.
  const [selectRight, panelRight] = await page.evaluate(() => [
    document.querySelector('[data-testid="explain-item"]')!.getBoundingClientRect().right,
    document.querySelector('[data-testid="explanation-panel"]')!.getBoundingClientRect().right,
  ]);
  expect(selectRight).toBeLessThanOrEqual(panelRight + 0.5);

  // Full run: the status passes through "streaming" with a growing token count, then "done". A short
  // sentence can stream faster than a poll, so the page records every status text it shows.
  await page.evaluate(() => {
    const w = window as unknown as { statuses: string[] };
    const x = window as unknown as { texts: string[] };
    w.statuses = [];
    x.texts = [];
    // The status line appears with the first run, so watch the whole panel; every streamed text too.
    const panel = document.querySelector('[data-testid="explanation-panel"]')!;
    new MutationObserver(() => {
      const t = panel.querySelector('[data-testid="explanation-status"]')?.textContent ?? '';
      if (t && w.statuses[w.statuses.length - 1] !== t) w.statuses.push(t);
      const text = panel.querySelector('[data-testid="explanation-text"]')?.textContent ?? '';
      if (text && x.texts[x.texts.length - 1] !== text) x.texts.push(text);
    }).observe(panel, { childList: true, characterData: true, subtree: true });
  });
  await page.getByTestId('explain-run').click();
  await expect(page.getByTestId('explanation-status')).toHaveText(/done, \d+ tokens/, { timeout: READY_TIMEOUT });
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  const counts = statuses.map((t) => /streaming… (\d+)/.exec(t)?.[1]).filter((c): c is string => c !== undefined).map(Number);
  expect(counts.length).toBeGreaterThan(1);
  for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
  const fullTokens = Number(/done, (\d+) tokens/.exec((await page.getByTestId('explanation-status').textContent())!)![1]);
  const full = await page.getByTestId('explanation-text').textContent();
  expect(full!.trim().split(/\s+/).length).toBeGreaterThanOrEqual(3);
  // The reference sits beside the output.
  await expect(page.getByTestId('explanation-compare')).toContainText('Reference');
  await expect(page.getByTestId('explanation-reference')).not.toBeEmpty();
  if (subwords) {
    // Sub-word vocabulary: no streamed prefix and not the final sentence holds an unknown token, and
    // a note says what the decoder was trained on.
    const texts = await page.evaluate(() => (window as unknown as { texts: string[] }).texts);
    expect(texts.length).toBeGreaterThan(1);
    for (const t of [...texts, full!]) expect(t).not.toContain('<unk>');
    await expect(page.getByTestId('explanation-trained-on')).toContainText(/Trained on .*\d[\d,]* explanation sentences/);
  }
  // Items with a reference come first in the picker; for those the reference sentence is shown.
  const picked = await page.getByTestId('explain-item').locator('option:checked').textContent();
  if (picked!.includes('has a reference')) await expect(page.getByTestId('explanation-reference')).not.toContainText('no reference');
  await shot(page, info, 'explanation-done');

  // Stopped run: press Stop while streaming. This pack's sentences are short (about 10 tokens) and
  // stream faster than a poll, so the page itself presses Stop as soon as the first token shows.
  await page.evaluate(() => {
    const panel = document.querySelector('[data-testid="explanation-panel"]')!;
    const obs = new MutationObserver(() => {
      const t = panel.querySelector('[data-testid="explanation-status"]')?.textContent ?? '';
      if (/streaming… [1-9]/.test(t)) {
        obs.disconnect();
        (panel.querySelector('[data-testid="explain-stop"]') as HTMLButtonElement).click();
      }
    });
    obs.observe(panel, { childList: true, characterData: true, subtree: true });
    (panel.querySelector('[data-testid="explain-run"]') as HTMLButtonElement).click();
  });
  await expect(page.getByTestId('explanation-text')).toHaveAttribute('data-stopped', 'true', { timeout: READY_TIMEOUT });
  await expect(page.getByTestId('explanation-status')).toHaveText(/stopped after \d+ tokens/);
  const stoppedAt = Number(/stopped after (\d+) tokens/.exec((await page.getByTestId('explanation-status').textContent())!)![1]);
  expect(stoppedAt).toBeLessThan(fullTokens);
  // Stopped means stopped: nothing more arrives.
  const frozen = await page.getByTestId('explanation-text').textContent();
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('explanation-text')).toHaveText(frozen!);
  await shot(page, info, 'explanation-stopped');

  // "block repeated word pairs": the same request decoded without repeating any pair of words.
  await page.getByTestId('explain-no-repeat').check();
  await page.getByTestId('explain-run').click();
  await expect(page.getByTestId('explanation-status')).toHaveText(/done, \d+ tokens/, { timeout: READY_TIMEOUT });
  const words = (await page.getByTestId('explanation-text').textContent())!.trim().split(/\s+/);
  const pairs = words.slice(1).map((w, i) => `${words[i]} ${w}`);
  expect(words.length).toBeGreaterThanOrEqual(3);
  expect(new Set(pairs).size).toBe(pairs.length);
  await shot(page, info, 'explanation-no-repeat');
});
