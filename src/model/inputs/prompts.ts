// Natural-language prompt templates (prompt distillation): several wordings per task for training,
// and the bare `user_{u} item_{...}` form used at validation and test. Owns wording only; it must not
// know about tokens or tensors. The tokenizer's vocabulary is built from these strings (templateWords).
import type { TaskName } from '../types.ts';

export interface PromptFields {
  user: number;
  /** Sequential: history items (oldest first). Top-n: candidates. Explanation: the one item. */
  items: ArrayLike<number>;
}

type Template = (user: string, items: string) => string;

const SEQUENTIAL: Template[] = [
  (u, it) => `${u} has purchased ${it} . what will the user buy next ?`,
  (u, it) => `given the purchase history ${it} of ${u} , predict the next item .`,
  (u, it) => `here is what ${u} bought in order : ${it} . which item comes next ?`,
  (u, it) => `${u} interacted with ${it} . recommend the next item for this user .`,
  (u, it) => `what should ${u} purchase after ${it} ?`,
];

const TOPN: Template[] = [
  (u, it) => `which of these items will ${u} like most : ${it} ?`,
  (u, it) => `pick the best item for ${u} from the candidates ${it} .`,
  (u, it) => `${u} is choosing among ${it} . which one will the user buy ?`,
  (u, it) => `rank the candidates ${it} for ${u} and give the top one .`,
  (u, it) => `from ${it} , select the item that ${u} prefers .`,
];

const EXPLANATION: Template[] = [
  (u, it) => `explain why ${u} would like ${it} .`,
  (u, it) => `write a review sentence of ${u} about ${it} .`,
  (u, it) => `what would ${u} say about ${it} ?`,
  (u, it) => `give a reason for ${u} to buy ${it} .`,
  (u, it) => `describe the opinion of ${u} on ${it} .`,
];

export const TEMPLATES: Record<TaskName, readonly Template[]> = {
  sequential: SEQUENTIAL,
  topn: TOPN,
  explanation: EXPLANATION,
};

export function userWord(u: number): string {
  return `user_${u}`;
}
export function itemWord(i: number): string {
  return `item_${i}`;
}

function itemList(items: ArrayLike<number>): string {
  const words: string[] = [];
  for (let k = 0; k < items.length; k++) words.push(itemWord(items[k]!));
  return words.join(' ');
}

const USER_SLOT = '\u0001U';
const ITEMS_SLOT = '\u0001I';

/**
 * Training prompt: template `t` (0-based, taken modulo the task's template count). `keep` (word
 * dropout): bit k clear drops the template's k-th plain word; the user and item ids always stay.
 */
export function templatePrompt(task: TaskName, t: number, f: PromptFields, keep?: number): string {
  const list = TEMPLATES[task];
  const tpl = list[t % list.length]!;
  if (keep === undefined) return tpl(userWord(f.user), itemList(f.items));
  const out: string[] = [];
  let k = 0;
  for (const w of tpl(USER_SLOT, ITEMS_SLOT).split(/\s+/)) {
    if (w === USER_SLOT) out.push(userWord(f.user));
    else if (w === ITEMS_SLOT) out.push(itemList(f.items));
    else if (w && (k >= 30 || (keep >>> k) & 1)) out.push(w);
    if (w && w !== USER_SLOT && w !== ITEMS_SLOT) k++;
  }
  return out.join(' ');
}

/** Validation/test prompt: only the ids; the soft task prompt says which task it is. */
export function barePrompt(f: PromptFields): string {
  return `${userWord(f.user)} ${itemList(f.items)}`;
}

/** Every plain word the templates use (so the tokenizer's vocabulary covers them). */
export function templateWords(): string[] {
  const words = new Set<string>();
  for (const task of Object.keys(TEMPLATES) as TaskName[]) {
    for (const t of TEMPLATES[task]) {
      for (const w of t('U', 'I').split(/\s+/)) if (w && w !== 'U' && w !== 'I') words.add(w);
    }
  }
  return [...words].sort();
}
