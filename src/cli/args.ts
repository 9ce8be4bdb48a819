// Minimal flag parser for the CLI: `--key value`, `--key=value` and boolean `--flag`.
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface ParsedArgs {
  flags: Record<string, string | true>;
  positional: string[];
}

export function parseArgs(argv: string[]): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        flags[a.slice(2, eq)] = a.slice(eq + 1);
      } else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--')) {
          flags[a.slice(2)] = next;
          i++;
        } else {
          flags[a.slice(2)] = true;
        }
      }
    } else {
      positional.push(a);
    }
  }
  return { flags, positional };
}

export function stringFlag(args: ParsedArgs, key: string, fallback?: string): string {
  const v = args.flags[key];
  if (v === undefined || v === true) {
    if (fallback !== undefined) return fallback;
    throw new CliUsageError(`missing --${key} <value>`);
  }
  return v;
}

export function numberFlag(args: ParsedArgs, key: string, fallback: number): number {
  const v = args.flags[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new CliUsageError(`--${key} needs a number, got "${String(v)}"`);
  return n;
}

export function boolFlag(args: ParsedArgs, key: string): boolean {
  const v = args.flags[key];
  return v === true || v === 'true' || v === '1';
}
