// Progress line for long CLI work: one line with an ETA, rewritten in place (\r) on a TTY and printed
// every few seconds otherwise (log files stay readable). Writes to stderr only; owns no state of the work.

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressLine {
  private last = 0;
  private readonly tty: boolean;
  private readonly t0 = Date.now();
  private wrote = false;

  constructor(
    private readonly label: string,
    private readonly intervalMs = 5000,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  get elapsedS(): number {
    return (Date.now() - this.t0) / 1000;
  }

  /**
   * `fraction` in [0,1] gives the ETA (from this line's own elapsed time) unless `etaS` is given, e.g.
   * by a resumed run whose fraction includes work done before this process started.
   */
  update(fraction: number, detail: string, force = false, etaS?: number): void {
    const now = Date.now();
    if (!force && now - this.last < (this.tty ? 250 : this.intervalMs)) return;
    this.last = now;
    const el = this.elapsedS;
    const eta = etaS ?? (fraction > 0 ? (el * (1 - fraction)) / fraction : NaN);
    const line = `${this.label} ${(fraction * 100).toFixed(1)}% ${detail} elapsed ${formatDuration(el)} ETA ${formatDuration(eta)}`;
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K`);
      this.wrote = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  done(detail: string): void {
    const line = `${this.label} done ${detail} in ${formatDuration(this.elapsedS)}`;
    this.stream.write(this.tty && this.wrote ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
