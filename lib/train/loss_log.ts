// The JSONL loss log: one JSON object per finished epoch, appended and flushed as it happens so
// a crashed run leaves every finished epoch on disk. The byte length after each line is the
// position a checkpoint records; resuming cuts the log back to it, so epochs that are trained
// again after a crash are not listed twice.
import { closeSync, existsSync, fsyncSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';

export class LossLog {
  private constructor(private readonly path: string, private bytes: number) {}

  /** A new, empty log (an existing file is replaced). */
  static create(path: string): LossLog {
    closeSync(openSync(path, 'w'));
    return new LossLog(path, 0);
  }

  /**
   * Reopens a log at a checkpoint's position. `lines` are the records up to that position: they
   * rewrite the log if the file is gone or shorter (so it is complete either way).
   */
  static resume(path: string, position: number, lines: unknown[]): LossLog {
    if (existsSync(path) && statSync(path).size >= position) {
      truncateSync(path, position);
      return new LossLog(path, position);
    }
    const log = LossLog.create(path);
    for (const l of lines) log.append(l);
    return log;
  }

  /** Bytes written so far: the position to save. */
  get position(): number {
    return this.bytes;
  }

  append(record: unknown): void {
    const buf = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, buf);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.bytes += buf.length;
  }
}
