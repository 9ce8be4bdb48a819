import { describe, expect, it } from 'vitest';
import { TokenizerError } from './errors.ts';
import { METASPACE as S, Unigram, unigramFromTokenizerJson, wholeWordIds } from './sentencepiece.ts';
import { EOS_ID, Tokenizer, type SentencePieceTokenizerJSON } from './tokenizer.ts';

/** A T5-like unigram vocabulary in miniature (specials first, extra ids last, as in T5). */
const PIECES: [string, number][] = [
  ['<pad>', 0],
  ['</s>', 0],
  ['<unk>', 0],
  [S, -3],
  [`${S}user`, -2],
  [`${S}item`, -2],
  ['_', -2],
  [`${S}12`, -2],
  ['34', -2],
  [`${S}1`, -3],
  ['23', -2],
  ['4', -3],
  ['1', -3],
  ['2', -3],
  ['3', -3],
  ['5', -3],
  [`${S}5`, -3],
  [`${S}what`, -2],
  [`${S}next`, -2],
  ['?', -2],
  [`${S}ab`, -2],
  [`${S}a`, -1],
  ['b', -1],
  ['<extra_id_0>', 0],
];

const tokenizerJson = { version: '1.0', model: { type: 'Unigram', unk_id: 2, vocab: PIECES, byte_fallback: false } };

function spJson(extra: Partial<SentencePieceTokenizerJSON> = {}): SentencePieceTokenizerJSON {
  return { kind: 'peapod-sentencepiece', version: 1, idScheme: 'p5', pieces: PIECES, unkId: 2, vocabSize: 32, wholeWordVocab: 8, itemRanges: [[1, 5], [1234, 1234]], ...extra };
}

const id = (piece: string): number => PIECES.findIndex(([p]) => p === piece);

describe('Unigram', () => {
  const u = new Unigram(unigramFromTokenizerJson(tokenizerJson));

  it('takes the best-scoring segmentation of each word', () => {
    // ▁12 34 scores -4; ▁1 23 4 scores -8.
    expect(u.encode('1234').pieces).toEqual([`${S}12`, '34']);
    // Without the ▁, "1234" ties at -8 between 1|23|4 and 1|2|34: the path whose last piece was found first wins.
    expect(u.encode('user_1234').pieces).toEqual([`${S}user`, '_', '1', '2', '34']);
    expect(u.encode('what next ?').pieces).toEqual([`${S}what`, `${S}next`, S, '?']);
  });

  it('keeps the piece found first on a tie (tokenizers: strictly better replaces)', () => {
    // ▁ab (-2) and ▁a + b (-1 - 1) tie: ▁ab ends at the same place first.
    expect(u.encode('ab').pieces).toEqual([`${S}ab`]);
  });

  it('normalises (NFKC, whitespace) and fuses unknown characters into one <unk>', () => {
    expect(u.encode('  １２３４ \t\n ').pieces).toEqual([`${S}12`, '34']);
    const r = u.encode('5ÿÿ');
    expect(r.ids).toEqual([id(`${S}5`), 2]);
    expect(r.pieces).toEqual([`${S}5`, 'ÿÿ']);
    expect(u.encode('').ids).toEqual([]);
  });

  it('never produces special tokens from text', () => {
    expect(u.encode('<extra_id_0>').ids).not.toContain(id('<extra_id_0>'));
  });

  it('decodes pieces back to text', () => {
    expect(u.decode(u.encode('what next ?').ids)).toBe('what next ?');
    expect(u.decode([id(`${S}12`), id('34'), EOS_ID])).toBe('1234');
    expect(() => u.decode([999])).toThrow(TokenizerError);
  });

  it('reads only unigram tokenizer.json files', () => {
    expect(() => unigramFromTokenizerJson({ model: { type: 'BPE', vocab: {} } })).toThrow(/model type "BPE"/);
    expect(() => unigramFromTokenizerJson({ model: { type: 'Unigram', unk_id: 2, vocab: [['a', 'x']] } })).toThrow(/damaged/);
    expect(() => unigramFromTokenizerJson({ model: { type: 'Unigram', unk_id: 99, vocab: PIECES } })).toThrow(/unk_id/);
    expect(() => unigramFromTokenizerJson({ model: { ...tokenizerJson.model, byte_fallback: true } })).toThrow(/byte fallback/);
  });
});

describe('wholeWordIds (the authors rule)', () => {
  it('numbers each "x _ digits" span, 0 elsewhere', () => {
    expect(wholeWordIds([`${S}user`, '_', '1', '23', `${S}item`, '_', '5', `${S}what`, '?'])).toEqual([1, 1, 1, 1, 2, 2, 2, 0, 0]);
    expect(wholeWordIds(['_', '1'])).toEqual([0, 0]);
    expect(wholeWordIds([])).toEqual([]);
  });
});

describe('Tokenizer over SentencePiece', () => {
  const tok = new Tokenizer(spJson());

  it('encodes the bare prompt with whole-word ids and </s>', () => {
    const e = tok.encodeText('user_23 item_1234 item_5');
    expect(Array.from(e.ids)).toEqual([id(`${S}user`), id('_'), id('23'), id(`${S}item`), id('_'), id('1'), id('2'), id('34'), id(`${S}item`), id('_'), id('5'), EOS_ID]);
    expect(Array.from(e.wholeWord)).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 0]);
    const cut = tok.encodeText('user_23 item_1234', { maxTokens: 4, addEos: false });
    expect(cut.ids).toHaveLength(4);
    expect(cut.wholeWord).toHaveLength(4);
  });

  it('spells items as their digits and parses only the canonical spelling', () => {
    expect(Array.from(tok.itemTokens(1234))).toEqual([id(`${S}12`), id('34')]);
    expect(tok.parseItem([id(`${S}12`), id('34'), EOS_ID])).toBe(1234);
    expect(tok.parseItem([id(`${S}1`), id('23'), id('4')])).toBeNull(); // same digits, other pieces
    expect(tok.parseItem([id(`${S}5`)])).toBe(5);
    expect(tok.parseItem([id(`${S}what`)])).toBeNull();
    expect(() => tok.itemTokens(77)).toThrow(TokenizerError);
    expect(tok.items()).toEqual([1, 2, 3, 4, 5, 1234]);
  });

  it('decodes generated text, stopping at </s> and skipping padding rows', () => {
    expect(tok.decode([id(`${S}what`), 30, id(`${S}next`), id('?'), EOS_ID, id(`${S}ab`)])).toBe('what next?');
  });

  it('has the model vocabulary size (pieces + padding rows) and round-trips through JSON', () => {
    expect(tok.vocabSize).toBe(32);
    expect(tok.sentencePiece).toBe(true);
    expect(tok.idScheme).toBe('p5');
    const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(back.toJSON()).toEqual(tok.toJSON());
    expect(Array.from(back.encodeText('user_23').ids)).toEqual(Array.from(tok.encodeText('user_23').ids));
  });

  it('gives 0 everywhere without a whole-word table (a plain T5)', () => {
    expect(Array.from(new Tokenizer(spJson({ wholeWordVocab: 0 })).encodeText('user_23 item_5').wholeWord)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses a whole-word table too small for the input', () => {
    const small = new Tokenizer(spJson({ wholeWordVocab: 2 }));
    expect(() => small.encodeText('user_23 item_5')).toThrow(/whole-word table/);
  });

  it('refuses damaged JSON', () => {
    expect(() => new Tokenizer(spJson({ pieces: [['<unk>', 0], ...PIECES.slice(1)] }))).toThrow(/expected "<pad>"/);
    expect(() => new Tokenizer(spJson({ vocabSize: 3 }))).toThrow(/smaller than its/);
    expect(() => new Tokenizer(spJson({ unkId: 3 }))).toThrow(/unk id/);
    expect(() => new Tokenizer(spJson({ itemRanges: [[5, 1]] }))).toThrow(/itemRanges/);
    expect(() => new Tokenizer({ ...spJson(), version: 2 as 1 })).toThrow(/version/);
  });
});
