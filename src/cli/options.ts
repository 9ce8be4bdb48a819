// Declarative command-line options. Each command declares its options once, in a table (flag name,
// kind, default or required, one line of help, optional group heading); from that table come its
// `--help` text (defaults printed from the table, so help and parsing cannot disagree), the parsing
// of argv into a typed object (value types inferred from the table), the rejection of unknown flags
// (with a "did you mean" suggestion) and the checking of recipe files (JSON objects of flags).
import * as fs from 'node:fs';
import { CliUsageError } from './args.ts';

export { CliUsageError };

interface Common {
  /** One line of help (wrapped in the output). The default is appended from the table. */
  help: string;
  /** Starts a group: a heading printed before this option; the next options belong to it too. */
  group?: string;
  /** Placeholder of the value in the help (N, X, DIR, ...); derived from the kind when absent. */
  meta?: string;
  /** Shown as the default where the table has none because it is computed (per engine, from --out, ...). */
  defaultText?: string;
}

export type OptionSpec =
  | (Common & { kind: 'switch' })
  | (Common & { kind: 'number' | 'integer'; default?: number; required?: boolean; min?: number })
  | (Common & { kind: 'string'; default?: string; required?: boolean })
  | (Common & { kind: 'choice'; choices: readonly string[]; default?: string; required?: boolean })
  | (Common & { kind: 'list'; choices: readonly string[]; default?: readonly string[]; required?: boolean });

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** `kebab-case` flag name -> `camelCase` property name. */
export type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;

type Present<O, V> = O extends { required: true } ? V : O extends { default: unknown } ? V : V | undefined;

/** The parsed value of one option, as its table entry declares it. */
export type OptionValue<O> = O extends { kind: 'switch' }
  ? boolean
  : O extends { kind: 'number' | 'integer' }
    ? Present<O, number>
    : O extends { kind: 'string' }
      ? Present<O, string>
      : O extends { kind: 'choice'; choices: readonly (infer C)[] }
        ? Present<O, C>
        : O extends { kind: 'list'; choices: readonly (infer C)[] }
          ? Present<O, C[]>
          : never;

/** Parsed options of a table: one camelCase property per flag. */
export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T & string as Camel<K>]: OptionValue<T[K]> };

export interface CommandSpec<T extends OptionTable = OptionTable> {
  /** How the command is typed, e.g. 'peapod train'. */
  command: string;
  /** Usage lines after "usage: " (without the command, which is prefixed). */
  usage: readonly string[];
  /** Text between the usage lines and the options (already formatted; printed as is). */
  about?: string;
  options: T;
  /** The flag (a string option of `options`) that names a recipe file: a JSON object of flags. */
  recipeFlag?: string;
}

/** Declares a command's options; `const` keeps the literal types the parsed values are inferred from. */
export function defineCommand<const T extends OptionTable>(spec: CommandSpec<T>): CommandSpec<T> {
  for (const [flag, o] of Object.entries(spec.options)) {
    if (!/^[a-z][a-z0-9-]*$/.test(flag) || flag === 'help') throw new Error(`${spec.command}: bad flag name "${flag}"`);
    if ((o.kind === 'choice' || o.kind === 'list') && o.default !== undefined) {
      for (const d of typeof o.default === 'string' ? [o.default] : o.default) {
        if (!o.choices.includes(d)) throw new Error(`${spec.command} --${flag}: default "${d}" is not among ${o.choices.join(', ')}`);
      }
    }
  }
  if (spec.recipeFlag !== undefined && spec.options[spec.recipeFlag]?.kind !== 'string') throw new Error(`${spec.command}: the recipe flag must be a string option`);
  return spec;
}

export function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// ---------------------------------------------------------------------------------------------------
// Help

const FLAG_COLUMN = 26;
const WIDTH = 100;

function metaOf(o: OptionSpec): string {
  if (o.kind === 'switch') return '';
  if (o.meta) return o.meta;
  switch (o.kind) {
    case 'choice':
      return o.choices.join('|');
    case 'list':
      return 'LIST';
    case 'integer':
      return 'N';
    case 'number':
      return 'X';
    default:
      return 'TEXT';
  }
}

function formatValue(v: number | string | boolean | readonly string[]): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v.join(',');
}

/** The help of one option with what the table says about its values: choices, default, required. */
export function optionHelp(o: OptionSpec): string {
  const notes: string[] = [];
  if (o.kind === 'list') notes.push(`comma list of ${o.choices.join(', ')}`);
  if (o.kind !== 'switch') {
    if (o.defaultText !== undefined) notes.push(`default: ${o.defaultText}`);
    else if (o.default !== undefined) notes.push(`default: ${formatValue(o.default)}`);
    else if (o.required) notes.push('required');
  }
  return notes.length ? `${o.help} (${notes.join('; ')})` : o.help;
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The `--help` text of a command: usage, about, then every option of its table with its default. */
export function helpText<T extends OptionTable>(spec: CommandSpec<T>): string {
  const out = spec.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${spec.command} ${u}`);
  if (spec.about) out.push('', spec.about);
  out.push(...optionLines(spec.options));
  return out.join('\n');
}

/** The option lines of a table (each group after a blank line and its heading). */
export function optionLines(options: OptionTable, indent = '  '): string[] {
  const out: string[] = [];
  let first = true;
  for (const [flag, o] of Object.entries(options)) {
    if (o.group) out.push('', `${indent.slice(2)}${o.group}:`);
    else if (first) out.push('');
    first = false;
    const meta = metaOf(o);
    const head = `${indent}--${flag}${meta ? ` ${meta}` : ''}`;
    const textWidth = WIDTH - FLAG_COLUMN;
    const body = wrap(optionHelp(o), textWidth);
    if (head.length < FLAG_COLUMN) out.push(`${head.padEnd(FLAG_COLUMN)}${body[0] ?? ''}`);
    else out.push(head, `${' '.repeat(FLAG_COLUMN)}${body[0] ?? ''}`);
    for (const l of body.slice(1)) out.push(`${' '.repeat(FLAG_COLUMN)}${l}`);
  }
  return out;
}

/** True when argv asks for help (`--help` or `-h` anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

// ---------------------------------------------------------------------------------------------------
// Unknown flags

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** The known flag nearest to `flag` (edit distance at most 3), if any. */
export function nearestFlag(flag: string, known: Iterable<string>): string | undefined {
  let best: [string, number] | undefined;
  for (const k of known) {
    const dist = editDistance(flag, k);
    if (!best || dist < best[1]) best = [k, dist];
  }
  return best && best[1] <= 3 ? best[0] : undefined;
}

function unknownFlag<T extends OptionTable>(spec: CommandSpec<T>, flag: string, where: string | null): CliUsageError {
  const near = nearestFlag(flag, Object.keys(spec.options));
  return new CliUsageError(`${where ? `${where}: ` : ''}unknown flag --${flag}${near ? `; did you mean --${near}?` : ''} (${spec.command} --help lists them)`);
}

// ---------------------------------------------------------------------------------------------------
// Parsing

/** A flag's value before conversion: the text after it (or `true` for a bare flag), and where it came from. */
interface RawValue {
  value: string | true;
  /** null: the command line; else e.g. 'recipe recipes/beauty.json'. */
  source: string | null;
}

const SWITCH_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, '1': true, '0': false };

/**
 * argv as raw flag values. `--flag value` and `--flag=value`; a value never starts with `--`. A switch
 * takes no value, except an explicit true/false (1/0), as `--flag=false` or `--flag false`.
 */
function tokenize<T extends OptionTable>(spec: CommandSpec<T>, argv: readonly string[]): { raw: Map<string, RawValue>; positional: string[] } {
  const raw = new Map<string, RawValue>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const o = spec.options[flag];
    if (!o) throw unknownFlag(spec, flag, null);
    if (eq > 0) {
      raw.set(flag, { value: a.slice(eq + 1), source: null });
      continue;
    }
    const next = argv[i + 1];
    const takes = o.kind === 'switch' ? next !== undefined && next in SWITCH_WORDS : next !== undefined && !next.startsWith('--');
    if (takes) {
      raw.set(flag, { value: next!, source: null });
      i++;
    } else raw.set(flag, { value: true, source: null });
  }
  return { raw, positional };
}

/** A recipe file's flags, checked against the table (keys starting with "//" are comments). */
function recipeFlags<T extends OptionTable>(spec: CommandSpec<T>, file: string, read: (file: string) => string): { raw: Map<string, RawValue>; recipe: Record<string, unknown> } {
  const where = `recipe ${file}`;
  let recipe: unknown;
  try {
    recipe = JSON.parse(read(file));
  } catch (e) {
    throw new CliUsageError(`--${spec.recipeFlag} ${file}: ${(e as Error).message}; a recipe is a JSON object of flags, e.g. {"dataset": "amazon-beauty-p5", "engine": "torch"}`);
  }
  if (!recipe || typeof recipe !== 'object' || Array.isArray(recipe)) {
    throw new CliUsageError(`--${spec.recipeFlag} ${file}: a recipe is a JSON object of flags, got ${Array.isArray(recipe) ? 'an array' : typeof recipe}`);
  }
  const raw = new Map<string, RawValue>();
  for (const [k, v] of Object.entries(recipe as Record<string, unknown>)) {
    if (k.startsWith('//') || k === spec.recipeFlag) continue;
    if (!spec.options[k]) throw unknownFlag(spec, k, where);
    if (v === true) raw.set(k, { value: true, source: where });
    else if (typeof v === 'string' || typeof v === 'number') raw.set(k, { value: String(v), source: where });
    else if (v !== false) throw new CliUsageError(`${where}: "${k}" must be a string, a number or true/false, got ${JSON.stringify(v)}`);
  }
  return { raw, recipe: recipe as Record<string, unknown> };
}

function alternatives(choices: readonly string[]): string {
  return choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
}

/** One raw value as its option's type; usage errors name the flag, the source and what was expected. */
function convert(flag: string, o: OptionSpec, { value, source }: RawValue): unknown {
  const at = source ? `${source}: ` : '';
  const got = value === true ? 'nothing' : `"${value}"`;
  switch (o.kind) {
    case 'switch': {
      if (value === true) return true;
      const b = SWITCH_WORDS[value];
      if (b === undefined) throw new CliUsageError(`${at}--${flag} is a switch (true/false), got ${got}`);
      return b;
    }
    case 'number':
    case 'integer': {
      const n = value === true || value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n)) throw new CliUsageError(`${at}--${flag} needs a number, got ${got}`);
      if (o.kind === 'integer' && !Number.isInteger(n)) throw new CliUsageError(`${at}--${flag} needs a whole number, got ${got}`);
      if (o.min !== undefined && n < o.min) throw new CliUsageError(`${at}--${flag} must be at least ${o.min}, got ${got}`);
      return n;
    }
    case 'string':
      if (value === true) throw new CliUsageError(`${at}--${flag} needs a value (${metaOf(o)})`);
      return value;
    case 'choice':
      if (value === true || !o.choices.includes(value)) throw new CliUsageError(`${at}--${flag} must be ${alternatives(o.choices)}, got ${got}`);
      return value;
    case 'list': {
      if (value === true) throw new CliUsageError(`${at}--${flag} needs a comma-separated list of ${o.choices.join(', ')}`);
      const items = value.split(',').map((s) => s.trim());
      for (const x of items) if (!o.choices.includes(x)) throw new CliUsageError(`${at}--${flag}: unknown value "${x}"; allowed: ${o.choices.join(', ')}`);
      return items;
    }
  }
}

export interface ParsedCommand<T extends OptionTable> {
  /** Every option of the table, typed: the given value, else the table's default. */
  values: OptionValues<T>;
  /** Flags that were given (on the command line or in the recipe). */
  given: ReadonlySet<keyof T & string>;
  /** The recipe file's object, when the command has a recipe flag and it was given. */
  recipe: Record<string, unknown> | null;
}

export interface ParseOptions {
  /** Reads a recipe file (default: from disk). */
  read?: (file: string) => string;
}

/**
 * Parses argv against a command's table: unknown flags, values of the wrong type, values outside the
 * choices, missing required flags and stray arguments are CliUsageErrors. With a recipe flag, the
 * recipe's flags are merged under the command line's.
 */
export function parseCommand<T extends OptionTable>(spec: CommandSpec<T>, argv: readonly string[], opts: ParseOptions = {}): ParsedCommand<T> {
  const { raw, positional } = tokenize(spec, argv);
  if (positional.length) throw new CliUsageError(`unexpected argument "${positional[0]}"; ${spec.command} takes --flags only (${spec.command} --help lists them)`);
  let recipe: Record<string, unknown> | null = null;
  let merged = raw;
  if (spec.recipeFlag !== undefined && raw.has(spec.recipeFlag)) {
    const file = raw.get(spec.recipeFlag)!.value;
    if (file === true) throw new CliUsageError(`--${spec.recipeFlag} needs a file, e.g. --${spec.recipeFlag} recipes/beauty.json`);
    const r = recipeFlags(spec, file, opts.read ?? ((f) => fs.readFileSync(f, 'utf8')));
    recipe = r.recipe;
    merged = new Map([...r.raw, ...raw]);
  }
  const values: Record<string, unknown> = {};
  for (const [flag, o] of Object.entries(spec.options)) {
    const r = merged.get(flag);
    if (r) values[camel(flag)] = convert(flag, o, r);
    else if (o.kind === 'switch') values[camel(flag)] = false;
    else if (o.default !== undefined) values[camel(flag)] = typeof o.default === 'object' ? [...o.default] : o.default;
    else if (o.required) throw new CliUsageError(`missing --${flag} <${metaOf(o)}>`);
    else values[camel(flag)] = undefined;
  }
  return { values: values as OptionValues<T>, given: new Set(merged.keys()), recipe };
}

/** A flag that a mode of a command needs though the table cannot require it for every mode. */
export function need<V>(value: V | undefined, flag: string, meta = 'value'): V {
  if (value === undefined) throw new CliUsageError(`missing --${flag} <${meta}>`);
  return value;
}
