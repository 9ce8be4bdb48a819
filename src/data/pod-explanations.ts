// Reader for POD-format explanation files (amazon-toys-p5/explanation-pod/{val,test}.json): a JSON
// array of {user, item, explanation, feature}. Pure (browser-safe); ids are checked against the
// dataset when bounds are given. The targets are cut to 20 tokens by the caller's tokenizer, not here.
import { DatasetFormatError, InvalidIdError } from './errors.ts';
import type { ExplanationRecord } from './explanations.ts';
import { parseJson } from './text.ts';

export function parsePodExplanations(text: string, file: string, bounds?: { numUsers?: number; numItems?: number }): ExplanationRecord[] {
  const json = parseJson(text, file);
  if (!Array.isArray(json)) throw new DatasetFormatError('top level is not a JSON array', { file, hint: 'Expected POD explanation records [{user, item, explanation, feature}, ...]' });
  return json.map((rec: unknown, i) => {
    const where = `record ${i}`;
    if (typeof rec !== 'object' || rec === null) throw new DatasetFormatError(`${where} is not an object`, { file, hint: 'Each record must be {user, item, explanation, feature}' });
    const r = rec as Record<string, unknown>;
    const user = r['user'];
    const item = r['item'];
    if (typeof user !== 'number' || !Number.isInteger(user) || user < 1 || (bounds?.numUsers !== undefined && user > bounds.numUsers)) {
      throw new InvalidIdError(`${where}: user ${JSON.stringify(user)} is not an id in 1..${bounds?.numUsers ?? 'N'}`, { file, hint: 'The file belongs to another dataset or numbering' });
    }
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 1 || (bounds?.numItems !== undefined && item > bounds.numItems)) {
      throw new InvalidIdError(`${where}: item ${JSON.stringify(item)} is not an id in 1..${bounds?.numItems ?? 'N'}`, { file, hint: 'The file belongs to another dataset or numbering' });
    }
    if (typeof r['explanation'] !== 'string' || typeof r['feature'] !== 'string') {
      throw new DatasetFormatError(`${where}: "explanation" and "feature" must be strings`, { file, hint: 'Each record must be {user, item, explanation, feature}' });
    }
    return { user, item, explanation: r['explanation'], feature: r['feature'], rating: Number.NaN };
  });
}
