// The progress line moved to src/eval/progress.ts (evaluation needs it and may not import train/);
// this re-export keeps the CLI commands that import it from here working.
export { ProgressLine, formatDuration } from '../eval/progress.ts';
