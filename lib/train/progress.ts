// Progress for long loops: a redrawn bar on a terminal, one line per finished unit otherwise
// (logs and CI stay readable).
export class Progress {
  private readonly tty: boolean;
  private readonly started = Date.now();
  constructor(private readonly label: string, private readonly total: number, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = !!out.isTTY;
  }

  /** Redraws the bar (terminal only). */
  tick(done: number, note = ''): void {
    if (!this.tty) return;
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    this.out.write(`\r${this.label} [${bar}] ${done}/${this.total} ${note}`.padEnd(78).slice(0, 120));
  }

  /** A finished unit (an epoch): a line of its own everywhere. */
  line(text: string): void {
    if (this.tty) this.out.write('\r' + ' '.repeat(78) + '\r');
    this.out.write(`${this.label} ${text}\n`);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }
}
