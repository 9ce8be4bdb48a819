// The error of a mistyped command line: `peapod` prints its message (no stack) and exits with 2.
// Options are declared and parsed in options.ts.
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
