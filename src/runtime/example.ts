// Reads a pack's precomputed example (example.json, written at export time) into the protocol's
// ExampleView. Tolerant by design: a malformed example is dropped (null), never fatal, because
// the real model is loading right behind it. No tfjs here (runs before the engine is imported).
import type { ExampleView, InferResult, PackId } from './protocol.ts';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumArr = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number');
const isMatrix = (x: unknown): x is number[][] => Array.isArray(x) && x.every(isNumArr);

function validResult(r: unknown): r is InferResult {
  if (!isObj(r) || !isObj(r.user) || !isObj(r.whatIf) || !isObj(r.prompt)) return false;
  const u = r.user;
  if (!Array.isArray(u.history) || !Array.isArray(u.neighbours) || typeof u.label !== 'string') return false;
  if (!isMatrix(r.prompt.task) || !isMatrix(r.prompt.collaborative)) return false;
  if (r.attention !== null && (!isObj(r.attention) || !isMatrix(r.attention.weights) || !isNumArr(r.attention.mean) || !isNumArr(r.attention.neighbours))) return false;
  return Array.isArray(r.sequential);
}

/** Accepts `{pack?, result, explanation?}` (the protocol's ExampleView as JSON); anything else -> null. */
export function exampleFromJson(json: unknown, pack: PackId): ExampleView | null {
  if (!isObj(json)) return null;
  const result = json.result;
  if (!validResult(result)) return null;
  const neighbours = result.user.neighbours.map((n) => ({ ...n, shared: Array.isArray(n.shared) ? n.shared : [] }));
  const user = { ...result.user, neighbours, explainable: Array.isArray(result.user.explainable) ? result.user.explainable : [] };
  const out: ExampleView = { pack, result: { ...result, user, topn: result.topn ?? null } };
  const ex = json.explanation;
  if (isObj(ex) && typeof ex.text === 'string' && isObj(ex.item)) out.explanation = { item: ex.item as unknown as ExampleView['result']['user']['history'][number], text: ex.text };
  return out;
}
