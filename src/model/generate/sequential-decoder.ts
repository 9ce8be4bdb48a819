// The sequential task's decoder for either of its forms (PeapodConfig.sequentialForm): the bare
// prompt's plain decoder, or, in the history form, the decoder that has read the user's items as its
// own prefix. Callers encode `sequentialEncoderSample(config, sample)` and decode through this, so
// the evaluator, the app and the score split share one definition of the form.
import type { EncoderOutput, PeapodModel } from '../peapod.ts';
import { END_OF_ID_LOGIT } from '../peapod.ts';
import type { Tokenizer } from '../tokenizer.ts';
import type { PeapodConfig } from '../types.ts';
import type { Sample } from '../inputs/batch.ts';
import { withDecoderPrefix } from './decoder-prefix.ts';
import { peapodDecoder } from './peapod-decoder.ts';
import type { EncodedDecoder } from './types.ts';

/** True when the config's sequential task reads the history in the decoder. */
export function historyInDecoder(config: PeapodConfig): boolean {
  return config.sequentialForm === 'history';
}

/** What the encoder reads for `sample`: in the history form a sequential sample without its items (they go to the decoder). */
export function sequentialEncoderSample(config: PeapodConfig, sample: Sample): Sample {
  return sample.task === 'sequential' && historyInDecoder(config) ? { ...sample, items: new Int32Array(0) } : sample;
}

/**
 * Decoder of the encoded sequential batch `enc` (row b = histories[b], oldest first). Bare form: the
 * plain decoder (the prior at its first step). History form: the decoder after [start, items...],
 * the prior at the position after the last item and END_OF_ID_LOGIT on </s> after it; every row's
 * history must have the same length (batch by length). `enc` stays the caller's.
 */
export function sequentialDecoder(model: PeapodModel, enc: EncoderOutput, tok: Tokenizer, histories: readonly ArrayLike<number>[]): EncodedDecoder {
  if (!historyInDecoder(model.config)) return peapodDecoder(model, enc);
  const B = enc.hidden.shape[0];
  if (histories.length !== B) throw new Error(`sequentialDecoder: ${histories.length} histories for ${B} encoded rows.`);
  const n = B ? histories[0]!.length : 0;
  const prefix = new Int32Array(B * n);
  histories.forEach((h, b) => {
    if (h.length !== n) throw new Error(`sequentialDecoder: the history form decodes rows of one history length per batch (row 0 has ${n} items, row ${b} ${h.length}).`);
    for (let k = 0; k < n; k++) prefix[b * n + k] = tok.itemTokens(h[k]!)[0]!;
  });
  const plain = peapodDecoder(model, { hidden: enc.hidden, mask: enc.mask, prior: null });
  return withDecoderPrefix(plain, prefix, n, { startId: tok.padId, prior: enc.prior ?? null, endOfId: { eos: tok.eosId, logit: END_OF_ID_LOGIT } });
}
