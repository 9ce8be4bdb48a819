// The explanation panel's one-line note of what a pack's decoder was trained on, from the manifest's
// training.text (written by `peapod train`: explanation sentences, training-review sentences, tokenizer).

/** The note, or null when the manifest does not record it (packs trained before it was written). */
export function trainingTextNote(manifest: Record<string, unknown> | undefined): string | null {
  const text = (manifest?.['training'] as { text?: { explanationPairs?: unknown; languageSentences?: unknown; tokenizer?: unknown } } | undefined)?.text;
  if (!text || typeof text.explanationPairs !== 'number') return null;
  const n = (x: number): string => x.toLocaleString('en-US');
  const lm = typeof text.languageSentences === 'number' && text.languageSentences > 0 ? `${n(text.languageSentences)} sentences of training reviews, then ` : '';
  const tok = typeof text.tokenizer === 'string' ? ` (${text.tokenizer})` : '';
  return `Trained on ${lm}${n(text.explanationPairs)} explanation sentences${tok}; no test review was seen.`;
}
